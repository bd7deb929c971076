import type { AnyProjection } from '@crm/shared/read-model';
import { activityListProjection } from './activity-list.projection';

export * from './activity-list.projection';
export * from './activity-list';

/** Activities as their people work them: one document per activity (`GET /activities`, `GET /activities/{id}`). */
export const ACTIVITY_PROJECTIONS: readonly AnyProjection[] = [activityListProjection];
export * from './view-schemas';
