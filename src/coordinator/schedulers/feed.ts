import type { GroupDecision, GroupScheduler, SchedulerInput } from './types.js';

/**
 * Feeds inputs to a scheduler in order and returns every decision made, in order. A coordinator that restarts
 * rebuilds its scheduler this way from the sweep's event stream: the same inputs give the same decisions.
 */
export function feed(scheduler: GroupScheduler, inputs: Iterable<SchedulerInput>): GroupDecision[] {
  const decisions: GroupDecision[] = [];
  for (const input of inputs) {
    if (input.kind === 'result') {
      const { kind: _kind, ...result } = input;
      decisions.push(...scheduler.onResult(result));
    } else {
      const { kind: _kind, ...end } = input;
      decisions.push(...scheduler.onTrialEnd(end));
    }
  }
  return decisions;
}
