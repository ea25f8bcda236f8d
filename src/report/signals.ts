// Kept apart from report.ts so the CLI can map signals to exit codes without loading the histogram code.

const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGTERM: 15 }

/** POSIX shells report death-by-signal as 128 + the signal number; we keep that contract after a clean stop. */
export function signalExitCode (signal: NodeJS.Signals): number {
  return 128 + (SIGNAL_NUMBERS[signal] ?? 15)
}
