/** Pure early-termination rules (docs/schedulers.md): only src/domain/ may be imported here. */
export type { EpochResult, GroupDecision, GroupMembership, GroupScheduler, SchedulerInput, SchedulerKind, TrialEnd, Verdict } from './types.js';
export { AshaScheduler } from './asha.js';
export { ashaDecisionRungs } from '../../domain/scheduler.js';
export { MedianStoppingScheduler } from './median.js';
export { createScheduler } from './create-scheduler.js';
export { feed } from './feed.js';
