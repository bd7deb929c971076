import { streamIdOf } from '@crm/shared/event-sourcing';

/** Stream ids of the sales aggregates, `{category}-{id}` as API.md names them. */
export const leadStream = (leadId: string): string => streamIdOf('lead', leadId);
export const contactStream = (contactId: string): string => streamIdOf('contact', contactId);
export const accountStream = (accountId: string): string => streamIdOf('account', accountId);
export const opportunityStream = (opportunityId: string): string => streamIdOf('opportunity', opportunityId);
export const quoteStream = (quoteId: string): string => streamIdOf('quote', quoteId);
