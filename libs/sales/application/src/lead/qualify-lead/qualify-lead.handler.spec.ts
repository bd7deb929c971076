import { randomBytes } from 'node:crypto';
import { leadDecider, SALES_PERSONAL_FIELDS } from '@crm/sales/domain';
import { ANONYMOUS, DEFAULT_TENANT, InMemoryEventStore, type EventStore, type StreamAppend } from '@crm/shared/event-sourcing';
import { CommandExecutor, type CommandContext } from '@crm/shared/http';
import { ManualClock, newId } from '@crm/shared/kernel';
import { DataKeys, InMemoryKeyStore, PersonalDataEventStore } from '@crm/shared/personal-data';
import { leadStream } from '../../common/streams';
import { captureLead } from '../../testing/fixtures';
import { LeadQualificationProcess } from '../lead-qualification.process';
import { QualifyLeadCommand } from './qualify-lead.command';
import { QualifyLeadHandler } from './qualify-lead.handler';

describe('QualifyLeadHandler, refused by a race after its first attempt sealed the new records', () => {
  it('leaves no data key for the contact and account it did not write (the lead was disqualified in between)', async () => {
    const keyStore = new InMemoryKeyStore();
    const inner = new InMemoryEventStore();
    const store = new PersonalDataEventStore(inner, new DataKeys(keyStore, randomBytes(32)), SALES_PERSONAL_FIELDS);
    const clock = new ManualClock('2026-01-10T09:00:00.000Z');
    const executor = new CommandExecutor(store, clock, inner);
    const fresh = (): CommandContext => {
      const commandId = newId();
      return { commandId, issuedCommandId: commandId, actor: ANONYMOUS, tenantId: DEFAULT_TENANT };
    };
    const capture = captureLead({ phone: '09121234567' });
    const leadId = capture.data.leadId;
    await executor.execute(leadDecider, leadStream(leadId), capture, fresh());
    const before = await keyStore.refsStartingWith('');
    // Another request disqualifies the lead while the qualification's first attempt is sealed and on its way.
    let raced = false;
    const racing: EventStore = Object.create(store, {
      appendToStreams: {
        value: async (appends: readonly StreamAppend[], options?: { tenantId?: string }) => {
          if (!raced) {
            raced = true;
            await executor.execute(
              leadDecider,
              leadStream(leadId),
              { type: 'DisqualifyLead', data: { leadId, reason: 'duplicate', disqualifiedAt: '2026-01-10T09:30:00Z' } },
              fresh(),
            );
          }
          return store.appendToStreams(appends, options);
        },
      },
    }) as EventStore;
    const racingExecutor = new CommandExecutor(racing, clock, inner);
    const handler = new QualifyLeadHandler(racingExecutor, new LeadQualificationProcess(racingExecutor));
    const input = {
      opportunity: { name: 'سفارش', estimatedValue: { amount: 1_000_000, currency: 'IRR' }, expectedCloseDate: '2026-03-01' },
    };

    await expect(handler.execute(new QualifyLeadCommand(leadId, input, fresh()))).rejects.toMatchObject({ code: 'LEAD.CLOSED' });
    expect(raced).toBe(true);
    // Before, the contact's and the account's keys stayed, with nothing sealed with them in the log.
    expect(await keyStore.refsStartingWith('')).toEqual(before);
  });
});
