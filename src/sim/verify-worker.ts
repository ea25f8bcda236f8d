import { verifyAndDecrypt } from './verify.js'
import type { VerifyResult, VerifyTask } from './verify.js'

// piscina worker entry of the simulator's verify pool: each task is independent and runs to
// completion, which is exactly the shape a thread pool suits. The logic lives in verify.ts so the
// inline path runs the very same code.

/** Runs {@link verifyAndDecrypt} for one request on a worker thread. */
export default function verifyTask (task: VerifyTask): VerifyResult {
  return verifyAndDecrypt(task)
}
