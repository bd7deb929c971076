import { Injectable } from '@nestjs/common';
import { type AllFilter, laterPosition, type Reactor, type RecordedEvent } from '@crm/shared/event-sourcing';
import { CommandExecutor } from '@crm/shared/http';
import { accountDecider, contactDecider, opportunityDecider, type LeadQualified } from '@crm/sales/domain';
import { runReaction } from '../common/reaction';
import { accountStream, contactStream, opportunityStream } from '../common/streams';

export interface QualificationOutcome {
  readonly contactId: string;
  readonly accountId: string;
  readonly opportunityId: string;
  /** Position of the last event this process recorded (or found recorded) for the qualification. */
  readonly position: string | undefined;
}

/**
 * Process manager of lead qualification: LeadQualified → OpenAccount,
 * CreateContact (each unless the lead named an existing one) and
 * OpenOpportunity, with the ids the lead event chose. Every command id
 * derives from the LeadQualified event id, so however often it runs —
 * synchronously in the request, again from the reactor, again after a crash
 * half-way — each record is created once and later runs get the first result.
 */
@Injectable()
export class LeadQualificationProcess implements Reactor {
  readonly name = 'sales.lead-qualification';
  readonly filter: AllFilter = { categories: ['lead'], eventTypes: ['LeadQualified'] };

  constructor(private readonly executor: CommandExecutor) {}

  async react(event: RecordedEvent): Promise<void> {
    if (event.type === 'LeadQualified') await this.converge(event as RecordedEvent<LeadQualified>);
  }

  async converge(qualified: RecordedEvent<LeadQualified>): Promise<QualificationOutcome> {
    const { leadId, campaignId, ownerId, contact, account, opportunity, qualifiedAt } = qualified.data;
    const { accountId } = account;
    const { contactId } = contact;
    const positions: (string | undefined)[] = [];
    // Account first: the contact and the opportunity refer to it.
    if (!account.existing) {
      const opened = await runReaction(this.executor, qualified, 'open-account', accountDecider, accountStream(accountId), {
        type: 'OpenAccount',
        data: { accountId, name: account.name ?? contact.fullName, ownerId, originLeadId: leadId, openedAt: qualifiedAt },
      });
      positions.push(opened.position);
    }
    if (!contact.existing) {
      const { fullName, email, phone } = contact;
      const created = await runReaction(this.executor, qualified, 'create-contact', contactDecider, contactStream(contactId), {
        type: 'CreateContact',
        data: { contactId, fullName, email, phone, accountId, originLeadId: leadId, createdAt: qualifiedAt },
      });
      positions.push(created.position);
    }
    const { opportunityId, name, need, estimatedValue, expectedCloseDate } = opportunity;
    const opened = await runReaction(this.executor, qualified, 'open-opportunity', opportunityDecider, opportunityStream(opportunityId), {
      type: 'OpenOpportunity',
      data: {
        opportunityId,
        accountId,
        contactId,
        name,
        need,
        amount: estimatedValue,
        expectedCloseDate,
        ownerId,
        originLeadId: leadId,
        campaignId,
        openedAt: qualifiedAt,
      },
    });
    positions.push(opened.position);
    return { contactId, accountId, opportunityId, position: laterPosition(this.executor.store, ...positions) };
  }
}
