import { Injectable } from '@nestjs/common';
import {
  laterPosition,
  type AllFilter,
  type AtomicCommands,
  type Command,
  type Decider,
  type Event,
  type Reactor,
  type RecordedEvent,
} from '@crm/shared/event-sourcing';
import { CommandExecutor } from '@crm/shared/http';
import { accountDecider, contactDecider, opportunityDecider, type LeadQualified } from '@crm/sales/domain';
import { decideReaction, reactionRecorded, runReaction, type Trigger } from '../common/reaction';
import { accountStream, contactStream, opportunityStream } from '../common/streams';

export interface QualificationOutcome {
  readonly contactId: string;
  readonly accountId: string;
  readonly opportunityId: string;
  /** Position of the last event this process recorded (or found recorded) for the qualification. */
  readonly position: string | undefined;
}

interface Step<S = unknown, C extends Command = Command, E extends Event = Event> {
  readonly step: string;
  readonly decider: Decider<S, C, E>;
  readonly streamId: string;
  readonly command: C;
}

const step = <S, C extends Command, E extends Event>(s: Step<S, C, E>): Step => s as unknown as Step;

/**
 * Process manager of lead qualification: LeadQualified → OpenAccount,
 * CreateContact (each unless the lead named an existing one) and
 * OpenOpportunity, with the ids the lead event chose. The qualify request
 * decides all of them with the lead's own command and records them in one
 * atomic append (`decideAll`), so a refusal of any part records nothing.
 * Histories written before that, where the lead event may stand alone, are
 * completed by this process as a reactor (`converge`): every command id
 * derives from the LeadQualified event id, so however often either runs,
 * each record is created once and later runs get the first result.
 */
@Injectable()
export class LeadQualificationProcess implements Reactor {
  readonly name = 'sales.lead-qualification';
  readonly filter: AllFilter = { categories: ['lead'], eventTypes: ['LeadQualified'] };

  constructor(private readonly executor: CommandExecutor) {}

  async react(event: RecordedEvent): Promise<void> {
    if (event.type !== 'LeadQualified') return;
    const qualified = event as RecordedEvent<LeadQualified>;
    // Steps are recorded in order (one at a time by `converge`, all at once by the request): the last one there means all are.
    const last = this.steps(qualified).at(-1) as Step;
    if (await reactionRecorded(this.executor, qualified, last.step, last.streamId)) return;
    await this.converge(qualified);
  }

  /** The records a qualification creates: account first, as the contact and the opportunity refer to it. */
  steps(qualified: Trigger<LeadQualified>): Step[] {
    const { leadId, campaignId, ownerId, contact, account, opportunity, qualifiedAt } = qualified.data;
    const { accountId } = account;
    const { contactId } = contact;
    const steps: Step[] = [];
    if (!account.existing) {
      steps.push(
        step({
          step: 'open-account',
          decider: accountDecider,
          streamId: accountStream(accountId),
          command: {
            type: 'OpenAccount',
            data: { accountId, name: account.name ?? contact.fullName, ownerId, originLeadId: leadId, openedAt: qualifiedAt },
          },
        }),
      );
    }
    if (!contact.existing) {
      const { fullName, email, phone } = contact;
      steps.push(
        step({
          step: 'create-contact',
          decider: contactDecider,
          streamId: contactStream(contactId),
          command: {
            type: 'CreateContact',
            data: { contactId, fullName, email, phone, accountId, originLeadId: leadId, createdAt: qualifiedAt },
          },
        }),
      );
    }
    const { opportunityId, name, need, estimatedValue, expectedCloseDate } = opportunity;
    steps.push(
      step({
        step: 'open-opportunity',
        decider: opportunityDecider,
        streamId: opportunityStream(opportunityId),
        command: {
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
        },
      }),
    );
    return steps;
  }

  /** Decides every record of the qualification inside the request's atomic append. */
  async decideAll(tx: AtomicCommands, qualified: Trigger<LeadQualified>): Promise<void> {
    for (const s of this.steps(qualified)) await decideReaction(tx, qualified, s.step, s.decider, s.streamId, s.command);
  }

  /** Creates what a recorded qualification names and is not there yet, one record at a time. */
  async converge(qualified: RecordedEvent<LeadQualified>): Promise<QualificationOutcome> {
    const positions: (string | undefined)[] = [];
    for (const s of this.steps(qualified)) {
      const result = await runReaction(this.executor, qualified, s.step, s.decider, s.streamId, s.command);
      positions.push(result.position);
    }
    const { contact, account, opportunity } = qualified.data;
    return {
      contactId: contact.contactId,
      accountId: account.accountId,
      opportunityId: opportunity.opportunityId,
      position: laterPosition(this.executor.store, ...positions),
    };
  }
}
