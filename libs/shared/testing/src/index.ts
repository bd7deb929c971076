export * from './decider-specification';
export * from './configured-suite';
export * from './event-fixtures';
export * from './event-store-contract';
export { everyMetadataField } from './event-store-contract.envelope';
export * from './read-store-contract';
export * from './projection-specification';
export * from './read-model-comparison';
export * from './key-store-contract';
