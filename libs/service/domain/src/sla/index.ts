export * from './sla-policy';
export * from './sla-breaches';
export * from './sla.refusals';
