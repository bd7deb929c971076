export * from './document';
export * from './errors';
export * from './query';
export * from './evaluate';
export * from './read-store';
export * from './unit-of-work';
export * from './projection';
export * from './in-memory-read-store';
