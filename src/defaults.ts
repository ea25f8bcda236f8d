// Every default of every command, in one table. The resolvers apply these values, so a config file can
// still override them; --help, the config file schema, `config --print` and the README show them
// through the option table's defaultText, which is built from this table, so the docs cannot drift.

/** The configuration file looked up in the current directory when --config is not given. */
export const CONFIG_FILE_NAME = 'notify-sender.config.json'

// Defaults that are the same wherever the option applies, keyed like the options and in the unit their
// parser returns (durations in milliseconds, --ttl in seconds), so `raw.timeout ?? DEFAULTS.timeout` has
// the option's type and a default of the wrong type fails to compile where it is applied.
const OPTION_DEFAULTS = {
  http: 'auto',
  streams: 100,
  pipelining: 1,
  timeout: 10_000,
  connectTimeout: 10_000,
  connectRate: 100,
  grace: 5000,
  logLevel: 'info',
  metricsHost: '127.0.0.1',
  ttl: 28 * 24 * 3600,
  retries: 3,
  maxRetryAfter: 5 * 60_000,
  for: 'send',
  port: 8443,
  host: '127.0.0.1',
  stateDir: '.notify-sender-sim',
  slowMs: 2000,
  retryAfter: 1
} as const

/** Defaults applied when neither the command line nor the config file gives a value. */
export const DEFAULTS = Object.freeze({
  ...OPTION_DEFAULTS,
  /** Defaults of load and send that depend on the command or on other options. */
  engine: Object.freeze({
    /** Per worker: without -c, the total in flight is this times the worker count. */
    concurrencyPerWorker: 100,
    /** Closed model (no --rate, no --stages): the concurrency ramps up from 0 over this long (ms). */
    closedRampUp: 1000,
    /** Worker restarts after a crash before the run gives up. */
    maxRestarts: 3
  }),
  load: Object.freeze({
    /** Every load run is bounded: without --requests or --duration it stops after this long (ms). */
    duration: 10_000
  }),
  send: Object.freeze({
    /**
     * `--max-error-rate` (#11): after `--retries` with backoff, more than one message in 20 failing
     * means the service, the keys or the network is wrong, not bad luck. Expired subscriptions
     * (404/410) and invalid lines are not failures of the send.
     */
    maxErrorRate: 0.05,
    /** Response bytes read per request: a send only needs the status (a load test reads whole bodies). */
    maxResponseBytes: 64 * 1024,
    /** Consecutive 401/403 from one origin that abort it: enough to ride out a few bad subscriptions. */
    authFailureLimit: 20,
    /** `--state` inside --out; the dispatch journal sits next to it. */
    stateFile: 'state.json'
  }),
  simulate: Object.freeze({
    subscriptionCount: 1000,
    /** `--out` inside --state-dir. */
    subscriptionsFile: 'subscriptions.ndjson'
  }),
  demo: Object.freeze({
    subscriptionCount: 2000,
    workers: 2,
    /** Delay of the simulator's slow responses: short, so the demo stays a demo. */
    slowMs: 200,
    payload: JSON.stringify({ title: 'notify-sender demo', body: 'Hello from the local push-service simulator' }),
    /** `--out` is a new directory under this one, named after the start time. */
    outParent: 'demo-out'
  })
})
