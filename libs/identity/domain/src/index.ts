export * from './roles';
export * from './tenant-id';
export * from './api-key/api-key.commands';
export * from './api-key/api-key.events';
export * from './api-key/api-key.decider';
export * from './api-key/api-key.refusals';
