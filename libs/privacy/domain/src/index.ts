export * from './data-subject';
