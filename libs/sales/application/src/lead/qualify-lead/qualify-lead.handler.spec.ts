import { leadDecider } from '@crm/sales/domain';
import { leadStream } from '../../common/streams';
import { captureLead, sealingSalesWorld } from '../../testing/fixtures';
import { LeadQualificationProcess } from '../lead-qualification.process';
import { QualifyLeadCommand } from './qualify-lead.command';
import { QualifyLeadHandler } from './qualify-lead.handler';

describe('QualifyLeadHandler, refused by a race after its first attempt sealed the new records', () => {
  it('leaves no data key for the contact and account it did not write (the lead was disqualified in between)', async () => {
    const { keyStore, executor, fresh, racing } = sealingSalesWorld();
    const capture = captureLead({ phone: '09121234567' });
    const leadId = capture.data.leadId;
    await executor.execute(leadDecider, leadStream(leadId), capture, fresh());
    const before = await keyStore.refsStartingWith('');
    // Another request disqualifies the lead while the qualification's first attempt is sealed and on its way.
    const { executor: racingExecutor, raced } = racing(() =>
      executor.execute(
        leadDecider,
        leadStream(leadId),
        { type: 'DisqualifyLead', data: { leadId, reason: 'duplicate', disqualifiedAt: '2026-01-10T09:30:00Z' } },
        fresh(),
      ),
    );
    const handler = new QualifyLeadHandler(racingExecutor, new LeadQualificationProcess(racingExecutor));
    const input = {
      opportunity: { name: 'سفارش', estimatedValue: { amount: 1_000_000, currency: 'IRR' }, expectedCloseDate: '2026-03-01' },
    };

    await expect(handler.execute(new QualifyLeadCommand(leadId, input, fresh()))).rejects.toMatchObject({ code: 'LEAD.CLOSED' });
    expect(raced.times).toBe(1);
    // Before, the contact's and the account's keys stayed, with nothing sealed with them in the log.
    expect(await keyStore.refsStartingWith('')).toEqual(before);
  });
});
