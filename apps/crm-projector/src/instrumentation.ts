import { startTracingFromEnv } from '@crm/operations/tracing';

/** Imported first by main.ts, so tracing patches pg and mongodb before they load (see the API's). */
export const tracing = startTracingFromEnv('crm-projector');
