/** Nest injection tokens of the service context. */
export const SERVICE_OPTIONS = Symbol('ServiceModuleOptions');
export const SERVICE_CONFIG = Symbol('ServiceConfig');
export const SLA_POLICY = Symbol('SlaPolicy');
export const COMPLAINT_DECIDER = Symbol('ComplaintDecider');
export const OPEN_DEADLINES = Symbol('OpenDeadlinesReadModel');
