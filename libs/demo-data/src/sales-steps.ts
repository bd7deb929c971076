import { streamIdOf, type Actor } from '@crm/shared/event-sourcing';
import {
  accountDecider,
  contactDecider,
  leadDecider,
  opportunityDecider,
  quoteDecider,
  type AccountCommand,
  type ContactCommand,
  type LeadCommand,
  type OpportunityCommand,
  type QuoteCommand,
} from '@crm/sales/domain';
import { stepOf } from './scenario';

/** One command on a sales aggregate's stream, `{category}-{id}` as the API names them. */
export const lead = (id: string, command: LeadCommand, actor: Actor) => stepOf(leadDecider, streamIdOf('lead', id), command, actor);
export const contact = (id: string, command: ContactCommand, actor: Actor) =>
  stepOf(contactDecider, streamIdOf('contact', id), command, actor);
export const account = (id: string, command: AccountCommand, actor: Actor) =>
  stepOf(accountDecider, streamIdOf('account', id), command, actor);
export const deal = (id: string, command: OpportunityCommand, actor: Actor) =>
  stepOf(opportunityDecider, streamIdOf('opportunity', id), command, actor);
export const quote = (id: string, command: QuoteCommand, actor: Actor) => stepOf(quoteDecider, streamIdOf('quote', id), command, actor);

export const MILLION = 1_000_000;
