export * from './sealing';
export * from './key-store';
export * from './data-keys';
export * from './personal-fields';
export * from './personal-data-event-store';
export * from './blind-index';
export * from './person-references';
