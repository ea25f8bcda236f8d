// `--metrics-port`: /metrics over HTTP for Prometheus to scrape during a run, on loopback unless
// `--metrics-host` says otherwise (the counters name push services and error samples of the run).
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { NotifySenderError } from '../errors.js'
import { writeFileAtomic } from '../fs/atomic-write.js'
import type { RunMetrics } from './exporter.js'

/** A listening metrics endpoint. */
export interface MetricsServer {
  /** `http://host:port/metrics` */
  url: string
  close: () => Promise<void>
}

/**
 * Serves `metrics` on `host:port` (0 = any free port).
 * @throws NotifySenderError NS_ERR_METRICS when the address cannot be bound.
 */
export async function startMetricsServer (metrics: RunMetrics, host: string, port: number): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: scrape /metrics\n')
      return
    }
    metrics.text().then((text) => {
      res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text)
    }, (err: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(err)}\n`)
    })
  })
  // A scraper's keep-alive connection must not hold the process open after the run.
  server.keepAliveTimeout = 1000
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(new NotifySenderError(`--metrics-port: cannot listen on ${host}:${port}: ${err.code ?? err.message}`, 'NS_ERR_METRICS', { cause: err }))
    })
    server.listen(port, host, resolve)
  })
  const addr = server.address() as AddressInfo
  const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address
  return {
    url: `http://${shown}:${addr.port}/metrics`,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => { server.close(() => { resolve() }) })
    }
  }
}

/** `--metrics-file`: the final metrics for node_exporter's textfile collector, replaced atomically. */
export async function writeMetricsFile (path: string, metrics: RunMetrics): Promise<void> {
  writeFileAtomic(path, await metrics.text())
}
