export * from './errors';
export * from './naming';
export * from './progress';
export { builtFromAnotherLog } from './log-identity';
export { applyBatch, type BatchResult, type BatchTarget } from './batch';
export { linksTo, type BatchReport } from './batch-telemetry';
export type { LanePhase, Retrying } from './lane';
export { switchLine, type BuildSwitch, type RebuildOptions, type RebuildResult } from './rebuilds';
export type { AsOf, TimeTravelRequest, TimeTravelResult } from './time-travel';
export {
  ProjectionRunner,
  type LaneStatus,
  type ProjectionRunnerOptions,
  type ProjectionStatus,
  type ServingSnapshot,
} from './projection-runner';
export { describeStatus } from './status-text';
export { ServingMirror } from './serving-mirror';
export { defaultOwner, fencedReadStore, type OwnershipOptions } from './ownership';
export { isPermanentWriteError } from './permanent-errors';
