export * from './errors';
export * from './naming';
export * from './progress';
export { applyBatch, type BatchResult, type BatchTarget } from './batch';
export type { LanePhase, Retrying } from './lane';
export type { RebuildOptions, RebuildResult } from './rebuilds';
export type { AsOf, TimeTravelRequest, TimeTravelResult } from './time-travel';
export { ProjectionRunner, type LaneStatus, type ProjectionRunnerOptions, type ProjectionStatus } from './projection-runner';
export { describeStatus } from './status-text';
