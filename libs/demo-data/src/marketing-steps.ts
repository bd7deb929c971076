import { activityDecider, interactionDecider, type ActivityCommand, type InteractionCommand } from '@crm/activities/domain';
import { campaignDecider, marketingListDecider, type CampaignCommand, type MarketingListCommand } from '@crm/marketing/domain';
import { streamIdOf, type Actor } from '@crm/shared/event-sourcing';
import { stepOf } from './scenario';

/** One command on a marketing or activities aggregate's stream, named as the API names them. */
export const campaign = (id: string, command: CampaignCommand, actor: Actor) =>
  stepOf(campaignDecider, streamIdOf('campaign', id), command, actor);
export const marketingList = (id: string, command: MarketingListCommand, actor: Actor) =>
  stepOf(marketingListDecider, streamIdOf('marketing-list', id), command, actor);
export const activity = (id: string, command: ActivityCommand, actor: Actor) =>
  stepOf(activityDecider, streamIdOf('activity', id), command, actor);
export const interaction = (id: string, command: InteractionCommand, actor: Actor) =>
  stepOf(interactionDecider, streamIdOf('interaction', id), command, actor);
