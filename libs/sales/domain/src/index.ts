export * from './lead/lead.commands';
export * from './lead/lead.events';
export * from './lead/lead.decider';

export * from './contact/contact.commands';
export * from './contact/contact.events';
export * from './contact/contact.decider';

export * from './account/account.commands';
export * from './account/account.events';
export * from './account/account.decider';

export * from './opportunity/opportunity.commands';
export * from './opportunity/opportunity.events';
export * from './opportunity/opportunity.decider';

export * from './quote/quote.commands';
export * from './quote/quote.events';
export * from './quote/quote.decider';
export { priceQuote, quoteCurrency } from './quote/quote.pricing';

// The application computes dedupe keys for its lookup exactly as the deciders do.
export { contactMatchKeys, type ContactPoints } from './common/contact-points';

export { LEAD_REFUSALS } from './lead/lead.refusals';
export { CONTACT_REFUSALS } from './contact/contact.refusals';
export { ACCOUNT_REFUSALS } from './account/account.refusals';
export { OPPORTUNITY_REFUSALS } from './opportunity/opportunity.refusals';
export { QUOTE_REFUSALS } from './quote/quote.refusals';
export { SALES_PERSON_REFERENCES, SALES_PERSONAL_FIELDS } from './personal-data';
