// A bounded HTTP/2 load test from code: a local h2c server, 2 workers, 500 req/s for 3 seconds.
// Run: npm run build && node examples/load-h2/index.mjs
import http2 from 'node:http2'
import { runLoad } from 'notify-sender'

const server = http2.createServer((req, res) => {
  req.resume()
  req.on('end', () => { res.writeHead(201); res.end('ok\n') })
})
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
const url = `http://127.0.0.1:${server.address().port}/push`

try {
  const report = await runLoad({ urls: [url], workers: 2, http: 2, rate: 500, duration: '3s', method: 'POST', body: 'hello', logLevel: 'warn' })
  console.log(`${report.requests.completed} requests, ${report.requests.rps} req/s, p99 ${report.latency.corrected.p99} ms, late ${report.requests.late}, dropped ${report.requests.dropped}`)
  process.exitCode = report.exitCode
} finally {
  server.close()
}
