import { Inject, Injectable } from '@nestjs/common';
import { DomainError, streamIdOf } from '@crm/shared/event-sourcing';
import { CommandExecutor, commandReply, type CommandContext, type CommandReply } from '@crm/shared/http';
import { personalDataErased } from '@crm/shared/personal-data';
import { COMPLAINT_REFUSALS, type ComplaintCommand, type ComplaintDecider, type PersonalDataErased } from '@crm/service/domain';
import { COMPLAINT_DECIDER } from '../service.tokens';

export function complaintStreamId(complaintId: string): string {
  return streamIdOf('complaint', complaintId);
}

/** What every complaint handler does after building its command; keeps the handlers to the mapping alone. */
@Injectable()
export class ComplaintStreams {
  constructor(
    private readonly executor: CommandExecutor,
    @Inject(COMPLAINT_DECIDER) private readonly decider: ComplaintDecider,
  ) {}

  /**
   * The clock is read once: the instant the command is stamped with (`at`, `receivedAt`)
   * is also its events' `occurredAt`, so the audit trail never shows two times for one step.
   */
  async run(complaintId: string, context: CommandContext, build: (at: string) => ComplaintCommand): Promise<CommandReply> {
    const now = this.executor.now();
    const result = await this.executor.execute(this.decider, complaintStreamId(complaintId), build(now.toISOString()), context, now);
    return commandReply(complaintId, result);
  }

  /**
   * For a step whose required text may be left out once the complaint's personal data is erased (response, decision,
   * an escalation's or reopening's reason; the decider's `textUnlessErased`): whether it is. All texts given: nothing
   * is looked up (sealing them refuses, 409 PERSONAL_DATA.ERASED, if the key is gone). A text left out: the key store
   * is asked, as the personal-data layer asks it before sealing (the complaint's key destroyed, or its erasure's fence
   * up); not erased, the request is refused at once, before the complaint is read, as it was when the field was
   * required: 400 naming the field.
   */
  async erasedIfLeftOut(
    complaintId: string,
    context: Pick<CommandContext, 'tenantId'>,
    texts: Readonly<Record<string, unknown>>,
  ): Promise<PersonalDataErased> {
    const missing = Object.keys(texts).filter((field) => texts[field] === undefined);
    if (missing.length === 0) return {};
    if (await this.personalDataErased(complaintId, context.tenantId)) return { personalDataErased: true };
    // No such complaint: its 404 (the decider's), not a text it could not have taken anyway.
    const revision = await this.executor.store.streamRevision(complaintStreamId(complaintId), { tenantId: context.tenantId });
    if (revision === undefined) return {};
    throw new DomainError(
      COMPLAINT_REFUSALS.TEXT_REQUIRED,
      `${missing.join(', ')} required unless the complaint's personal data is erased`,
      {
        fields: missing,
      },
    );
  }

  private personalDataErased(complaintId: string, tenantId: string): Promise<boolean> {
    return personalDataErased(this.executor.store, tenantId, complaintStreamId(complaintId));
  }

  get store(): CommandExecutor['store'] {
    return this.executor.store;
  }
}
