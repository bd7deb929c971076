export * from './complaint.types';
export * from './complaint.commands';
export * from './complaint.events';
export { initialComplaintState, evolveComplaint, milestonesOf } from './complaint.state';
export type { ComplaintState, ComplaintFile, Closing, ExistingComplaint, ComplaintInProgress } from './complaint.state';
export * from './complaint.decider';
export * from './complaint.refusals';
