import type { AnyProjection } from '@crm/shared/read-model';
import { marketingAudience } from './marketing/audience.projection';
import { marketingCampaigns } from './marketing/campaigns.projection';
import { marketingListMembers, marketingLists } from './marketing/marketing-lists.projection';
import { pipelineLeads } from './pipeline-leads.projection';
import { pipelineOpportunities } from './pipeline-opportunities.projection';

export * from './pipeline-opportunities.projection';
export * from './pipeline-leads.projection';
export * from './pipeline-summary';
export * from './opportunity-list';
export * from './funnel';
export * from './campaign-performance';
export { campaignSalesFigures, type CampaignSalesFigures } from './campaign-sales';
export * from './marketing/campaigns.projection';
export * from './marketing/marketing-lists.projection';
export * from './marketing/audience.projection';
export * from './marketing/campaign-audience';
export * from './marketing/list-criteria';
export { ratio, MoneyTotals } from './support';

/** Sales pipeline, funnel and campaign read models (campaigns, their lists and audience from the marketing and sales events). */
export const PIPELINE_PROJECTIONS: readonly AnyProjection[] = [
  pipelineOpportunities,
  pipelineLeads,
  marketingCampaigns,
  marketingLists,
  marketingListMembers,
  marketingAudience,
];
export * from './view-schemas';
