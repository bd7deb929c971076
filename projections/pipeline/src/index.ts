import type { AnyProjection } from '@crm/shared/read-model';
import { pipelineLeads } from './pipeline-leads.projection';
import { pipelineOpportunities } from './pipeline-opportunities.projection';

export * from './pipeline-opportunities.projection';
export * from './pipeline-leads.projection';
export * from './pipeline-summary';
export * from './opportunity-list';
export * from './funnel';
export * from './campaign-performance';
export { campaignSalesFigures, type CampaignSalesFigures } from './campaign-sales';
export { ratio, MoneyTotals } from './support';

/** Sales pipeline and funnel read models; campaign performance combines them with the marketing read models (`@crm/projections/marketing`). */
export const PIPELINE_PROJECTIONS: readonly AnyProjection[] = [pipelineOpportunities, pipelineLeads];
export * from './view-schemas';
