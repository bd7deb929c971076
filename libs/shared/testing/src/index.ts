export * from './decider-specification';
export * from './configured-suite';
export * from './event-fixtures';
export * from './event-store-contract';
