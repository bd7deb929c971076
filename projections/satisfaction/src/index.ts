import type { AnyProjection } from '@crm/shared/read-model';
import { satisfactionDaysProjection } from './satisfaction-days.projection';
import { satisfactionResponsesProjection } from './satisfaction-responses.projection';

export * from './satisfaction-responses.projection';
export * from './satisfaction-days.projection';
export * from './satisfaction';

/** Satisfaction (ISO 10004) read models: every answer, and per-day totals the view sums. */
export const SATISFACTION_PROJECTIONS: readonly AnyProjection[] = [satisfactionResponsesProjection, satisfactionDaysProjection];
