import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandExecutor, type CommandReply, idFor, toMoney } from '@crm/shared/http';
import { leadDecider, type LeadQualified, type QualifyLead } from '@crm/sales/domain';
import { firstEventOf, IdempotencyConflictError, laterPosition, requireReference } from '@crm/shared/event-sourcing';
import { NOT_FOUND } from '@crm/shared/kernel';
import { personalDataLayer } from '@crm/shared/personal-data';
import { decideAccountLink, requireOpenAccount } from '../../account/open-account-required';
import { accountStream, contactStream, leadStream } from '../../common/streams';
import { LeadQualificationProcess } from '../lead-qualification.process';
import { QualifyLeadCommand } from './qualify-lead.command';

/**
 * Qualifying a lead records the decision on the lead and creates the
 * contact, account and opportunity it names, all decided first and written
 * in one atomic append: any refusal (a closed lead, a blank opportunity name)
 * records nothing anywhere. A retried request (same command id) answers from
 * what was recorded, and completes a qualification recorded before writes
 * were atomic, whose lead event may stand alone.
 */
@CommandHandler(QualifyLeadCommand)
export class QualifyLeadHandler implements ICommandHandler<QualifyLeadCommand> {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly process: LeadQualificationProcess,
  ) {}

  execute(request: QualifyLeadCommand): Promise<CommandReply> {
    const { leadId, context } = request;
    const { tenantId, commandId } = context;
    return this.executor.handleAtomic(
      'QualifyLead',
      leadStream(leadId),
      context,
      () => this.qualify(request),
      () => this.firstReply(leadId, commandId, tenantId),
    );
  }

  private async qualify(request: QualifyLeadCommand): Promise<CommandReply> {
    const { input, context } = request;
    try {
      return await this.qualifyOnce(request);
    } catch (error) {
      // A first attempt seals the new contact and account under new keys; refused after that (the lead closed by a
      // concurrent disqualification), their keys go with the refusal.
      await this.executor.discardUnwrittenKeys(context, [
        ...(input.contactId ? [] : [contactStream(idFor(context, 'contact'))]),
        ...(input.accountId ? [] : [accountStream(idFor(context, 'account'))]),
      ]);
      throw error;
    }
  }

  private async qualifyOnce({ leadId, input, context }: QualifyLeadCommand): Promise<CommandReply> {
    const { store } = this.executor;
    const { tenantId, commandId } = context;
    // An erased lead (or one being erased) has only placeholders to carry into a contact: 409, not a bad email.
    await personalDataLayer(store)?.refuseIfErased(tenantId, leadStream(leadId));
    if (input.contactId) {
      await requireReference(store, contactStream(input.contactId), tenantId, NOT_FOUND.contact, input.contactId, 'contactId');
    }
    if (input.accountId) await requireOpenAccount(store, input.accountId, tenantId, 'accountId');
    const now = this.executor.now();
    const { name, estimatedValue, expectedCloseDate, need } = input.opportunity;
    const command: QualifyLead = {
      type: 'QualifyLead',
      data: {
        leadId,
        contactId: input.contactId ?? idFor(context, 'contact'),
        existingContact: input.contactId !== undefined,
        accountId: input.accountId ?? idFor(context, 'account'),
        existingAccount: input.accountId !== undefined,
        accountName: input.accountName,
        opportunityId: idFor(context, 'opportunity'),
        opportunity: { name, estimatedValue: toMoney(estimatedValue), expectedCloseDate, need },
        qualifiedAt: now.toISOString(),
      },
    };
    const { correlationId, actor } = context;
    const outcome = await this.executor.atomically(tenantId, now, async (tx) => {
      const lead = await tx.decide(leadDecider, leadStream(leadId), command, this.executor.commandOptions(context));
      const index = lead.events.findIndex((event) => event.type === 'LeadQualified');
      const qualified = lead.events[index];
      if (qualified?.type !== 'LeadQualified') throw new Error(`qualifying ${leadId} decided no LeadQualified`);
      const trigger = {
        data: qualified.data,
        metadata: { eventId: lead.eventIds[index] as string, correlationId: correlationId ?? commandId, actor, tenantId },
      };
      await this.process.decideAll(tx, trigger);
      // A deal (and maybe a contact) joins an account that was there: the account records it, refused once closed.
      const { account, contact, opportunity } = qualified.data;
      if (account.existing) {
        const link = { contactId: contact.contactId, opportunityId: opportunity.opportunityId };
        await decideAccountLink(tx, account.accountId, link, { eventId: trigger.metadata.eventId, context }, now.toISOString());
      }
      return qualified.data;
    });
    const { contact, account, opportunity } = outcome.value;
    const written = outcome.streams.get(leadStream(leadId));
    if (!written) return this.firstReply(leadId, commandId, tenantId);
    return {
      id: leadId,
      revision: written.nextExpectedRevision,
      position: outcome.position ?? written.position,
      contactId: contact.contactId,
      accountId: account.accountId,
      opportunityId: opportunity.opportunityId,
    };
  }

  /** The reply of a request already recorded; the ids come from the recorded event, so a retry answers with the first one's. */
  private async firstReply(leadId: string, commandId: string, tenantId: string): Promise<CommandReply> {
    const { store } = this.executor;
    const qualified = await firstEventOf<LeadQualified>(store, commandId, tenantId, 'LeadQualified');
    if (qualified.streamId !== leadStream(leadId)) throw new IdempotencyConflictError(commandId);
    const outcome = await this.process.converge(qualified);
    const { contactId, accountId, opportunityId } = outcome;
    return {
      id: leadId,
      revision: qualified.revision,
      position: laterPosition(store, qualified.position, outcome.position) ?? qualified.position,
      contactId,
      accountId,
      opportunityId,
    };
  }
}
