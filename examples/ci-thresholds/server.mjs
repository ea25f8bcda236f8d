// A stand-in for the service under test: an HTTP/1.1 keep-alive server on loopback, port 0, answering
// every request after a short delay (like a real API, so latencies are not all sub-millisecond).
import http from 'node:http'

/** Response delay of the stand-in service, in milliseconds. */
export const DELAY_MS = 5

/** Starts the server; resolves with its URL and a close() that also drops idle keep-alive connections. */
export async function startServer () {
  const server = http.createServer((req, res) => {
    req.resume()
    req.on('end', () => setTimeout(() => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"ok":true}\n') }, DELAY_MS))
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${server.address().port}/api/health`,
    close: () => new Promise((resolve) => {
      server.close(resolve)
      server.closeAllConnections()
    })
  }
}
