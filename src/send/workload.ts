// The module a worker imports for a send (send/job.ts names it): Web Push messages for the subscription
// lines the feeder hands over.
import type { WorkloadModule } from '../engine/workload.js'
import { SendSource } from './send-source.js'

export const createSource: WorkloadModule['createSource'] = async (ctx) => new SendSource(ctx)
