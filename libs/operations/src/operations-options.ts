import type { DestinationStream } from 'pino';
import type { AppConfig } from '@crm/platform';
import type { CrmMetrics } from './metrics/crm-metrics';

export const OPERATIONS_OPTIONS = Symbol('OperationsOptions');
/** The projections this process runs (a ProjectionStatusSource), when it runs any. */
export const OWNED_PROJECTIONS = Symbol('OwnedProjections');

export interface OperationsOptions {
  readonly config: AppConfig;
  /** `crm-api` or `crm-projector`: a label on every metric and a field on every log line. */
  readonly service: string;
  /** A registry made before the module (the projector's runner reports into it from the start). */
  readonly metrics?: CrmMetrics;
  /** Where log lines go; standard output by default. */
  readonly logDestination?: DestinationStream;
}
