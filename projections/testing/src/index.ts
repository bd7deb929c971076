// Event histories the projection specs share: sales and marketing events as the deciders record them.
export * from './sales-history';
export * from './marketing-history';
export * from './pipeline-scenarios';
export * from './fold-in-batches';
