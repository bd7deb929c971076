export { demoHistory, type DemoAppend, type DemoHistoryOptions } from './demo-history';
export { seedEventStore, type SeedOptions, type SeedResult } from './seed-event-store';
export { Random } from './random';
export { recordedDemoHistory } from './recorded-history';
export { demoHistoryBatches, historyBatches, type HistoryBatchOptions } from './history-batches';
