// Kept apart from report.ts so the CLI can map signals to exit codes without loading the histogram code.
import { constants } from 'node:os'

/** POSIX shells report death-by-signal as 128 + the signal number; we keep that contract after a clean stop. */
export function signalExitCode (signal: NodeJS.Signals): number {
  // The typings list every platform's signals; one this platform lacks (SIGBREAK on Linux) is undefined.
  return 128 + (constants.signals[signal] ?? constants.signals.SIGTERM)
}
