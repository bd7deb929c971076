import { Module } from '@nestjs/common';
import { AddCampaignTargetListsHandler } from './campaign/add-campaign-target-lists/add-campaign-target-lists.handler';
import { CampaignsController } from './campaign/campaigns.controller';
import { CancelCampaignHandler } from './campaign/cancel-campaign/cancel-campaign.handler';
import { CompleteCampaignHandler } from './campaign/complete-campaign/complete-campaign.handler';
import { PlanCampaignHandler } from './campaign/plan-campaign/plan-campaign.handler';
import { RecordCampaignCostHandler } from './campaign/record-campaign-cost/record-campaign-cost.handler';
import { RecordCampaignResponseHandler } from './campaign/record-campaign-response/record-campaign-response.handler';
import { StartCampaignHandler } from './campaign/start-campaign/start-campaign.handler';
import { AddListMembersHandler } from './marketing-list/add-list-members/add-list-members.handler';
import { CreateMarketingListHandler } from './marketing-list/create-marketing-list/create-marketing-list.handler';
import { MarketingListsController } from './marketing-list/marketing-lists.controller';
import { RemoveListMembersHandler } from './marketing-list/remove-list-members/remove-list-members.handler';

const HANDLERS = [
  CreateMarketingListHandler,
  AddListMembersHandler,
  RemoveListMembersHandler,
  PlanCampaignHandler,
  AddCampaignTargetListsHandler,
  StartCampaignHandler,
  RecordCampaignCostHandler,
  RecordCampaignResponseHandler,
  CompleteCampaignHandler,
  CancelCampaignHandler,
];

const CONTROLLERS = [MarketingListsController, CampaignsController];

/** The marketing context: command routes and handlers for marketing lists and campaigns. */
@Module({ controllers: CONTROLLERS, providers: HANDLERS })
export class MarketingModule {}
