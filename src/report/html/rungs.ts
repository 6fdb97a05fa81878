import { ashaDecisionRungs, type SchedulerConfig } from '../../domain/scheduler.js';

/** The epochs at which an ASHA scheduler judges groups (the scheduler's own rule); none for median stopping or none. */
export function rungEpochs(scheduler: SchedulerConfig | null | undefined): number[] {
  return scheduler?.type === 'asha' ? ashaDecisionRungs(scheduler) : [];
}
