import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandExecutor, type CommandReply, commandReply, idFor, toMoney } from '@crm/shared/http';
import { leadDecider, type LeadQualified } from '@crm/sales/domain';
import { contactStream, leadStream } from '../../common/streams';
import { LeadQualificationProcess } from '../lead-qualification.process';
import { QualifyLeadCommand } from './qualify-lead.command';
import { firstEventOf, laterPosition, requireReference } from '@crm/shared/event-sourcing';
import { requireOpenAccount } from '../../account/open-account-required';
import { NOT_FOUND } from '@crm/shared/kernel';

/**
 * One command on the lead records the decision with the new ids; the
 * qualification process creates what it names. Running the process here,
 * right after the lead event, lets the reply name ids that already exist;
 * the same process also runs as a reactor, so a crash in between converges.
 */
@CommandHandler(QualifyLeadCommand)
export class QualifyLeadHandler implements ICommandHandler<QualifyLeadCommand> {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly process: LeadQualificationProcess,
  ) {}

  async execute({ leadId, input, context }: QualifyLeadCommand): Promise<CommandReply> {
    const { store } = this.executor;
    const { tenantId } = context;
    if (input.contactId)
      await requireReference(store, contactStream(input.contactId), tenantId, NOT_FOUND.contact, input.contactId, 'contactId');
    if (input.accountId) await requireOpenAccount(store, input.accountId, tenantId, 'accountId');
    const now = this.executor.now();
    const { name, estimatedValue, expectedCloseDate, need } = input.opportunity;
    const result = await this.executor.execute(
      leadDecider,
      leadStream(leadId),
      {
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
      },
      context,
      now,
    );
    // The ids come from the recorded event, so a retried request answers with the first one's.
    const qualified = await firstEventOf<LeadQualified>(store, result.commandId, tenantId, 'LeadQualified');
    const outcome = await this.process.converge(qualified);
    const { contactId, accountId, opportunityId } = outcome;
    return commandReply(leadId, result, {
      position: laterPosition(store, result.position, outcome.position),
      contactId,
      accountId,
      opportunityId,
    });
  }
}
