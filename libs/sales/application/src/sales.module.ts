import { Module, type DynamicModule, type ExistingProvider, type FactoryProvider, type Provider, type ValueProvider } from '@nestjs/common';
import { InMemoryCheckpointStore, type CheckpointStore } from '@crm/shared/event-sourcing';
import { AccountsController } from './account/accounts.controller';
import { CloseAccountHandler } from './account/close-account/close-account.handler';
import { OpenAccountHandler } from './account/open-account/open-account.handler';
import { RecordPurchaseHandler } from './account/record-purchase/record-purchase.handler';
import { ReopenAccountHandler } from './account/reopen-account/reopen-account.handler';
import { UpdateAccountHandler } from './account/update-account/update-account.handler';
import { ContactsController } from './contact/contacts.controller';
import { CreateContactHandler } from './contact/create-contact/create-contact.handler';
import { LinkContactAccountHandler } from './contact/link-contact-account/link-contact-account.handler';
import { RecordConsentHandler } from './contact/record-consent/record-consent.handler';
import { UpdateContactHandler } from './contact/update-contact/update-contact.handler';
import { AssignLeadHandler } from './lead/assign-lead/assign-lead.handler';
import { CaptureLeadHandler } from './lead/capture-lead/capture-lead.handler';
import { LeadDedupe } from './lead/dedupe/lead-dedupe';
import { LeadKeyClaims } from './lead/dedupe/lead-key-claims';
import { DisqualifyLeadHandler } from './lead/disqualify-lead/disqualify-lead.handler';
import { LeadQualificationProcess } from './lead/lead-qualification.process';
import { LeadsController } from './lead/leads.controller';
import { QualifyLeadHandler } from './lead/qualify-lead/qualify-lead.handler';
import { UpdateLeadHandler } from './lead/update-lead/update-lead.handler';
import { LoseOpportunityHandler } from './opportunity/lose-opportunity/lose-opportunity.handler';
import { MoveOpportunityStageHandler } from './opportunity/move-opportunity-stage/move-opportunity-stage.handler';
import { OpenOpportunityHandler } from './opportunity/open-opportunity/open-opportunity.handler';
import { OpportunitiesController } from './opportunity/opportunities.controller';
import { ProposeSolutionHandler } from './opportunity/propose-solution/propose-solution.handler';
import { ReopenOpportunityHandler } from './opportunity/reopen-opportunity/reopen-opportunity.handler';
import { ReviseEstimateHandler } from './opportunity/revise-estimate/revise-estimate.handler';
import { WinOpportunityHandler } from './opportunity/win-opportunity/win-opportunity.handler';
import { AcceptQuoteHandler } from './quote/accept-quote/accept-quote.handler';
import { CreateQuoteHandler } from './quote/create-quote/create-quote.handler';
import { IssueQuoteHandler } from './quote/issue-quote/issue-quote.handler';
import { QuoteAcceptancePolicy } from './quote/quote-acceptance.policy';
import { QuotesController } from './quote/quotes.controller';
import { RejectQuoteHandler } from './quote/reject-quote/reject-quote.handler';
import { ReviseQuoteHandler } from './quote/revise-quote/revise-quote.handler';
import { SALES_CHECKPOINTS, SalesReactors } from './sales-reactors';

const HANDLERS = [
  CaptureLeadHandler,
  UpdateLeadHandler,
  AssignLeadHandler,
  QualifyLeadHandler,
  DisqualifyLeadHandler,
  CreateContactHandler,
  UpdateContactHandler,
  LinkContactAccountHandler,
  RecordConsentHandler,
  OpenAccountHandler,
  UpdateAccountHandler,
  CloseAccountHandler,
  ReopenAccountHandler,
  RecordPurchaseHandler,
  OpenOpportunityHandler,
  ProposeSolutionHandler,
  MoveOpportunityStageHandler,
  ReviseEstimateHandler,
  WinOpportunityHandler,
  LoseOpportunityHandler,
  ReopenOpportunityHandler,
  CreateQuoteHandler,
  IssueQuoteHandler,
  AcceptQuoteHandler,
  RejectQuoteHandler,
  ReviseQuoteHandler,
];

const CONTROLLERS = [LeadsController, ContactsController, AccountsController, OpportunitiesController, QuotesController];

const SERVICES = [LeadKeyClaims, LeadDedupe, LeadQualificationProcess, QuoteAcceptancePolicy, SalesReactors];

/** How the reactors' checkpoint store is bound: a value, another token, or a factory. */
export type SalesCheckpointsProvider =
  | Omit<ValueProvider<CheckpointStore>, 'provide'>
  | Omit<ExistingProvider<CheckpointStore>, 'provide'>
  | Omit<FactoryProvider<CheckpointStore>, 'provide'>;

const inMemoryCheckpoints: Provider = { provide: SALES_CHECKPOINTS, useFactory: () => new InMemoryCheckpointStore() };

/**
 * The sales context: command routes, handlers and process managers. Mounted
 * as is, reactors keep checkpoints in memory; `forRoot` binds a durable store.
 */
@Module({ controllers: CONTROLLERS, providers: [...HANDLERS, ...SERVICES, inMemoryCheckpoints] })
export class SalesModule {
  static forRoot(options: { readonly checkpoints?: SalesCheckpointsProvider } = {}): DynamicModule {
    const checkpoints: Provider = options.checkpoints ? { ...options.checkpoints, provide: SALES_CHECKPOINTS } : inMemoryCheckpoints;
    return { module: SalesModule, controllers: CONTROLLERS, providers: [...HANDLERS, ...SERVICES, checkpoints] };
  }
}
