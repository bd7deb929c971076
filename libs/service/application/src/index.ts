export * from './service.module';
export * from './service.tokens';
export * from './service-config';
export { ComplaintDeadlineWatcher, breachCommandId, type SlaTickReport } from './complaint/sla/complaint-deadline-watcher';
export {
  InMemoryOpenDeadlines,
  OPEN_DEADLINES_COLLECTION,
  ReadStoreOpenDeadlines,
  type OpenDeadlinesReadModel,
} from './complaint/sla/open-deadlines.read-model';
export { evolveOpenDeadlines, milestonesOfDocument, type OpenDeadlines } from './complaint/sla/open-deadlines.projection';
export { SlaScheduler } from './complaint/sla/sla-scheduler';
