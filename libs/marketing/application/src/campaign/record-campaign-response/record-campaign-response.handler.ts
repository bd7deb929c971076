import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import {
  type AtomicCommands,
  eventIdFor,
  firstEventOf,
  IdempotencyConflictError,
  laterPosition,
  loadState,
} from '@crm/shared/event-sourcing';
import { CommandExecutor, idFor, type CommandContext, type CommandReply } from '@crm/shared/http';
import { derivedId } from '@crm/shared/kernel';
import {
  CAMPAIGN_CONSENT_CHANNEL,
  campaignDecider,
  type CampaignChannel,
  type CampaignResponseRecorded,
  type RecordCampaignResponse,
} from '@crm/marketing/domain';
import { contactDecider, type ContactChannel, type RecordConsent } from '@crm/sales/domain';
import { requireAll, requireStream } from '../../common/references';
import { campaignStream, recordStream } from '../../common/streams';
import { RecordCampaignResponseCommand } from './record-campaign-response.command';

/** The consent each campaign channel needs, as the sales context names it (the compiler checks the names). */
const CONSENT_CHANNEL: Readonly<Record<CampaignChannel, ContactChannel | null>> = CAMPAIGN_CONSENT_CHANNEL;

/** The step an unsubscribe's consent withdrawal is derived under: its command id follows from the response's event id. */
const WITHDRAW_CONSENT = 'withdraw-consent';

/**
 * Records a response. An `unsubscribe` from a contact also withdraws the contact's consent for the campaign's channel,
 * decided with the response and recorded in the same atomic append: the reply's position covers both (a view read at
 * it no longer counts the contact reachable), a refusal records neither, and a retried request records nothing
 * again. The contact's own aggregate records the withdrawal, so a later explicit grant is news to it and makes the
 * contact reachable again; an unsubscribe dated before the contact's latest grant (arriving late) withdraws nothing.
 */
@CommandHandler(RecordCampaignResponseCommand)
export class RecordCampaignResponseHandler implements ICommandHandler<RecordCampaignResponseCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  execute(request: RecordCampaignResponseCommand): Promise<CommandReply> {
    const { campaignId, context } = request;
    return this.executor.handleAtomic(
      'RecordCampaignResponse',
      campaignStream(campaignId),
      context,
      () => this.record(request),
      () => this.firstReply(campaignId, context),
    );
  }

  private async record({ campaignId, input, context }: RecordCampaignResponseCommand): Promise<CommandReply> {
    const { store } = this.executor;
    const streamId = campaignStream(campaignId);
    await requireStream(store, 'campaign', campaignId, context.tenantId);
    // Responses feed ROI and attribution: one from nobody on file would count a phantom.
    const { type, id } = input.targetId;
    await requireAll(store, [id], type, context.tenantId, 'targetId.id');
    const now = this.executor.now();
    const responseId = idFor(context, 'campaign-response');
    const command: RecordCampaignResponse = {
      type: 'RecordCampaignResponse',
      data: {
        campaignId,
        responseId,
        targetId: { type, id },
        responseType: input.responseType,
        channel: input.channel,
        note: input.note,
        respondedAt: input.respondedAt ?? now.toISOString(),
        recordedAt: now.toISOString(),
      },
    };
    const outcome = await this.executor.atomically(context.tenantId, now, async (tx) => {
      const decided = await tx.decide(campaignDecider, streamId, command, this.executor.commandOptions(context));
      const index = decided.events.findIndex((event) => event.type === 'CampaignResponseRecorded');
      const response = decided.events[index];
      if (response?.type !== 'CampaignResponseRecorded' || decided.state.status === 'none') return;
      const channel = CONSENT_CHANNEL[decided.state.channel];
      if (response.data.responseType !== 'unsubscribe' || response.data.targetId.type !== 'contact' || channel === null) return;
      await this.withdrawConsent(tx, context, decided.eventIds[index] as string, response.data, channel);
    });
    const written = outcome.streams.get(streamId);
    if (written === undefined) return this.firstReply(campaignId, context);
    return { id: campaignId, revision: written.nextExpectedRevision, position: outcome.position ?? written.position ?? '0', responseId };
  }

  private async withdrawConsent(
    tx: AtomicCommands,
    context: CommandContext,
    responseEventId: string,
    response: CampaignResponseRecorded['data'],
    channel: ContactChannel,
  ): Promise<void> {
    const { tenantId, actor, correlationId, commandId } = context;
    const contactId = response.targetId.id;
    const contactStream = recordStream('contact', contactId);
    // A grant dated after the unsubscribe (which arrived late) is the contact's latest word: it stands.
    const contact = await loadState(this.executor.store, contactDecider, contactStream, tenantId);
    const latest = contact.status === 'active' ? contact.consents[channel] : undefined;
    if (latest?.granted === true && Date.parse(latest.at) > Date.parse(response.respondedAt)) return;
    const withdraw: RecordConsent = {
      type: 'RecordConsent',
      data: {
        contactId,
        channel,
        granted: false,
        at: response.respondedAt,
        source: `unsubscribe reply to campaign ${response.campaignId}`,
      },
    };
    await tx.decide(contactDecider, contactStream, withdraw, {
      commandId: derivedId(responseEventId, WITHDRAW_CONSENT),
      correlationId: correlationId ?? commandId,
      causationId: responseEventId,
      actor,
    });
  }

  /** The reply of a request already recorded: its response, and the position of the withdrawal it caused, if any. */
  private async firstReply(campaignId: string, context: CommandContext): Promise<CommandReply> {
    const { store } = this.executor;
    const { tenantId, commandId } = context;
    const response = await firstEventOf<CampaignResponseRecorded>(store, commandId, tenantId, 'CampaignResponseRecorded');
    if (response.streamId !== campaignStream(campaignId)) throw new IdempotencyConflictError(commandId);
    const withdrawal = await store.findEvent(eventIdFor(derivedId(response.metadata.eventId, WITHDRAW_CONSENT), 0), { tenantId });
    const position = laterPosition(store, response.position, withdrawal?.position) ?? response.position;
    return { id: campaignId, revision: response.revision, position, responseId: response.data.responseId };
  }
}
