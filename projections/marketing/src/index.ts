import type { AnyProjection } from '@crm/shared/read-model';
import { marketingAudience } from './audience.projection';
import { marketingCampaigns } from './campaigns.projection';
import { marketingListMembers, marketingLists } from './marketing-lists.projection';

export * from './campaigns.projection';
export * from './marketing-lists.projection';
export * from './audience.projection';
export * from './campaign-audience';
export * from './list-criteria';

/** Campaigns, their target lists and the audience lists select from (marketing and sales events). */
export const MARKETING_PROJECTIONS: readonly AnyProjection[] = [
  marketingCampaigns,
  marketingLists,
  marketingListMembers,
  marketingAudience,
];
