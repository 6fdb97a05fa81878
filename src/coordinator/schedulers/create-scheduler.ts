import type { SchedulerConfig } from '../../domain/scheduler.js';
import { AshaScheduler } from './asha.js';
import { MedianStoppingScheduler } from './median.js';
import type { GroupMembership, GroupScheduler } from './types.js';

/** The scheduler a resolved spec's `scheduler` block names, over the sweep's groups (group key → trial IDs). */
export function createScheduler(config: SchedulerConfig, groups: GroupMembership): GroupScheduler {
  switch (config.type) {
    case 'asha':
      return new AshaScheduler(config, groups);
    case 'median':
      return new MedianStoppingScheduler(config, groups);
  }
}
