import http2 from 'node:http2'
import type { ClientHttp2Session, IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http2'
import { createECDH } from 'node:crypto'
import { Client } from 'undici'
import { encryptPayload } from '../../src/webpush/encrypt.js'
import { getRawPrivateKey } from '../../src/webpush/keys.js'
import { VapidSigner, audienceOf } from '../../src/webpush/vapid.js'
import assert from 'node:assert/strict'
import { startSimulator } from '../../src/sim/simulator.js'
import type { Delivery, SimSubscription, Simulator, SimulatorOptions, SimulatorStats } from '../../src/sim/simulator.js'
import { bounded } from '../helpers/bounded.js'

/** A VAPID identity for tests: the raw key pair and a signer over it. */
export interface TestVapid {
  publicKey: Buffer
  privateKey: Buffer
  signer: VapidSigner
}

/** A fresh VAPID key pair and signer (subject mailto:ops@example.com). */
export function makeVapid (): TestVapid {
  const ecdh = createECDH('prime256v1')
  const publicKey = ecdh.generateKeys()
  const privateKey = getRawPrivateKey(ecdh)
  return { publicKey, privateKey, signer: new VapidSigner({ publicKey, privateKey, subject: 'mailto:ops@example.com' }) }
}

/** Encrypts `plaintext` to a simulated subscription exactly as a sender would. */
export function encryptTo (sub: Pick<SimSubscription, 'keys'>, plaintext: string | Buffer, senderPrivateKey?: Buffer): Buffer {
  const receiver = { p256dh: Buffer.from(sub.keys.p256dh, 'base64url'), auth: Buffer.from(sub.keys.auth, 'base64url') }
  return encryptPayload(Buffer.from(plaintext), receiver, senderPrivateKey === undefined ? undefined : { senderPrivateKey })
}

/** The same Authorization value with 3 characters of the JWT signature changed. */
export function tamperSignature (authorization: string): string {
  const cut = authorization.indexOf(', k=')
  const tail = authorization.slice(cut - 3, cut)
  return `${authorization.slice(0, cut - 3)}${tail === 'AAA' ? 'BBB' : 'AAA'}${authorization.slice(cut)}`
}

/** What came back for one request; `error` when there was no HTTP response. */
export interface Outcome {
  status?: number
  headers?: Record<string, string | string[] | undefined>
  body?: string
  error?: Error & { code?: string }
}

/** Overrides of {@link SimClient.push}: a header set to undefined is left out. */
export interface PushOverrides {
  headers?: Record<string, string | undefined>
  body?: Buffer
  method?: string
  /** Path to use instead of the endpoint's. */
  path?: string
}

/** A multiplexed undici h2 client speaking Web Push to one simulator. */
export class SimClient {
  readonly client: Client
  readonly vapid: TestVapid

  constructor (origin: string, ca: string, vapid: TestVapid = makeVapid()) {
    this.client = new Client(origin, { allowH2: true, pipelining: 100, connect: { ca } })
    this.vapid = vapid
  }

  /** The headers a correct sender puts on a push to `endpoint`. */
  headersFor (endpoint: string): Record<string, string> {
    return { ttl: '60', 'content-encoding': 'aes128gcm', authorization: this.vapid.signer.authorization(audienceOf(endpoint)) }
  }

  /** Sends `plaintext` to `sub` (or whatever the overrides say); never rejects except on a hang. */
  async push (sub: Pick<SimSubscription, 'endpoint' | 'keys'>, plaintext: string | Buffer = 'hello', overrides: PushOverrides = {}): Promise<Outcome> {
    const url = new URL(sub.endpoint)
    const headers: Record<string, string> = {}
    for (const [k, v] of Object.entries({ ...this.headersFor(sub.endpoint), ...overrides.headers })) if (v !== undefined) headers[k] = v
    const body = overrides.body ?? encryptTo(sub, plaintext)
    return await bounded((async () => {
      try {
        // idempotent: undici only multiplexes requests it may replay (see undici-h2-faults.test.ts).
        const res = await this.client.request({
          path: overrides.path ?? url.pathname, method: overrides.method ?? 'POST', headers, body, idempotent: true
        })
        return { status: res.statusCode, headers: res.headers, body: await res.body.text() }
      } catch (err) {
        return { error: err as Error & { code?: string } }
      }
    })(), `push to ${url.pathname}`)
  }

  /** GETs a simulator path and parses the JSON answer. */
  async getJson (path: string): Promise<{ status: number, json: unknown }> {
    const res = await bounded(this.client.request({ path, method: 'GET' }), `GET ${path}`)
    return { status: res.statusCode, json: JSON.parse(await res.body.text()) as unknown }
  }

  /** Destroys the client. */
  async close (): Promise<void> {
    await bounded(this.client.destroy(), 'client destroy')
  }
}

/** Result of {@link rawRequest}: the response, or how the stream ended without one. */
export interface RawOutcome {
  status?: number
  headers?: IncomingHttpHeaders
  body: string
  rstCode?: number
}

/** A node:http2 session to the simulator, for what undici hides (RST codes, GOAWAY, SETTINGS). */
export function rawSession (sim: Pick<Simulator, 'origin' | 'ca'>): ClientHttp2Session {
  const session = http2.connect(sim.origin, { ca: sim.ca })
  session.on('error', () => {})
  return session
}

/** One request on a raw session; resolves once the stream closed, never rejects except on a hang. */
export function rawRequest (session: ClientHttp2Session, headers: OutgoingHttpHeaders, body?: Buffer): Promise<RawOutcome> {
  return bounded(new Promise<RawOutcome>((resolve) => {
    const out: RawOutcome = { body: '' }
    const stream = session.request(headers)
    stream.on('error', () => {})
    stream.on('response', (h) => {
      out.status = Number(h[':status'])
      out.headers = h
    })
    stream.setEncoding('utf8')
    stream.on('data', (chunk: string) => { out.body += chunk })
    stream.on('close', () => {
      if (stream.rstCode !== http2.constants.NGHTTP2_NO_ERROR) out.rstCode = stream.rstCode
      resolve(out)
    })
    stream.end(body)
  }), `raw ${String(headers[':method'])} ${String(headers[':path'])}`)
}

/** Starts a simulator and a client, runs `fn`, and always closes both. */
export async function withSim (
  options: SimulatorOptions,
  fn: (sim: Simulator, client: SimClient, deliveries: Delivery[]) => Promise<void>
): Promise<void> {
  const deliveries: Delivery[] = []
  const sim = await startSimulator({ ...options, onDelivery: (d) => deliveries.push(d) })
  const client = new SimClient(sim.origin, sim.ca)
  try {
    await fn(sim, client, deliveries)
  } finally {
    await client.close()
    await bounded(sim.close(), 'simulator close')
  }
}

/** Every request the simulator saw ended in exactly one outcome. */
export function assertAccounted (s: SimulatorStats): void {
  const rejected = Object.values(s.rejected).reduce((a, b) => a + b, 0)
  assert.equal(s.inFlight, 0)
  assert.equal(s.requests, s.delivered + rejected + s.faults.throttle + s.faults.serverError + s.faults.reset + s.aborted + s.internalErrors)
}
