export * from './privacy.module';
export * from './data-subjects.service';
export * from './person-records';
export * from './read-model-purge';
export * from './erasure-purge';
