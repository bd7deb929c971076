import type { AnyProjection } from '@crm/shared/read-model';

/** Sales pipeline, funnel and campaign read models. */
export const PIPELINE_PROJECTIONS: readonly AnyProjection[] = [];
