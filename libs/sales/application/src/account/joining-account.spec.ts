import { accountDecider, contactDecider, leadDecider, type AccountCommand } from '@crm/sales/domain';
import { ANONYMOUS, DEFAULT_TENANT } from '@crm/shared/event-sourcing';
import type { CommandContext } from '@crm/shared/http';
import { newId } from '@crm/shared/kernel';
import { accountStream, contactStream, leadStream, opportunityStream } from '../common/streams';
import { captureLead, sealingSalesWorld } from '../testing/fixtures';
import { CreateContactCommand } from '../contact/create-contact/create-contact.command';
import { CreateContactHandler } from '../contact/create-contact/create-contact.handler';
import { LinkContactAccountCommand } from '../contact/link-contact-account/link-contact-account.command';
import { LinkContactAccountHandler } from '../contact/link-contact-account/link-contact-account.handler';
import { LeadQualificationProcess } from '../lead/lead-qualification.process';
import { QualifyLeadCommand } from '../lead/qualify-lead/qualify-lead.command';
import { QualifyLeadHandler } from '../lead/qualify-lead/qualify-lead.handler';
import { OpenOpportunityCommand } from '../opportunity/open-opportunity/open-opportunity.command';
import { OpenOpportunityHandler } from '../opportunity/open-opportunity/open-opportunity.handler';

/**
 * A contact or a deal joining an account, and the account's closing, sent at the same instant (from two processes):
 * the joiner checked the account open, then the closing committed, then the joiner's append came. The account's own
 * record of the link (AccountLinkRecorded) is in the joiner's atomic append, so the append fails and the joiner is
 * decided again, and refused. Before, the joiner landed after AccountClosed.
 */
describe('joining an account, raced by its closing', () => {
  function world() {
    const { keyStore, inner, executor, fresh, racing } = sealingSalesWorld();
    const keyed = (commandId = newId()): CommandContext => ({ commandId, actor: ANONYMOUS, tenantId: DEFAULT_TENANT, fingerprint: 'f' });
    const onAccount = (accountId: string, command: AccountCommand) =>
      executor.execute(accountDecider, accountStream(accountId), command, fresh());
    const openAccount = async () => {
      const accountId = newId();
      await onAccount(accountId, { type: 'OpenAccount', data: { accountId, name: 'شرکت فولاد', openedAt: '2026-01-10T09:00:00Z' } });
      return accountId;
    };
    const close = (accountId: string) =>
      onAccount(accountId, { type: 'CloseAccount', data: { accountId, reason: 'قرارداد پایان یافت', closedAt: '2026-01-10T09:10:00Z' } });
    /** A contact on no account yet. */
    const contact = async () => {
      const contactId = newId();
      const data = { contactId, fullName: 'سارا رضایی', createdAt: '2026-01-10T09:01:00Z' };
      await executor.execute(contactDecider, contactStream(contactId), { type: 'CreateContact', data }, fresh());
      return contactId;
    };
    const types = async (streamId: string) => (await inner.readStream(streamId)).map((event) => event.type);
    return { keyStore, inner, executor, fresh, keyed, openAccount, close, onAccount, racing, types, contact };
  }

  it('refuses a contact created on the account when the closing commits between its check and its append', async () => {
    const w = world();
    const accountId = await w.openAccount();
    const keysBefore = await w.keyStore.refsStartingWith('');
    const { executor, raced } = w.racing(() => w.close(accountId));
    const context = w.fresh();
    const created = new CreateContactHandler(executor).execute(new CreateContactCommand({ fullName: 'مریم احمدی', accountId }, context));

    await expect(created).rejects.toMatchObject({ code: 'ACCOUNT.CLOSED' });
    expect(raced.times).toBe(1);
    expect(await w.types(accountStream(accountId))).toEqual(['AccountOpened', 'AccountClosed']);
    const contactId = (await w.inner.readAll()).events.filter((event) => event.type === 'ContactCreated');
    expect(contactId).toEqual([]);
    // The attempt sealed the contact's name under a new key; the refusal took the key with it.
    expect(await w.keyStore.refsStartingWith('')).toEqual(keysBefore);
  });

  it('refuses a deal opened and a contact linked on the account when the closing commits in between', async () => {
    const w = world();
    const accountId = await w.openAccount();
    const contactId = await w.contact();
    const { executor } = w.racing(() => w.close(accountId));
    const opportunityId = newId();
    const opened = new OpenOpportunityHandler(executor).execute(
      new OpenOpportunityCommand(
        {
          id: opportunityId,
          accountId,
          name: 'ورق فولادی',
          need: 'خط تولید دوم',
          amount: { amount: 1_000_000, currency: 'IRR' },
          expectedCloseDate: '2026-03-01',
        },
        w.fresh(),
      ),
    );
    await expect(opened).rejects.toMatchObject({ code: 'ACCOUNT.CLOSED' });
    expect(await w.types(opportunityStream(opportunityId))).toEqual([]);

    const reopenedAccount = await w.openAccount();
    const second = w.racing(() => w.close(reopenedAccount));
    const linked = new LinkContactAccountHandler(second.executor).execute(
      new LinkContactAccountCommand(contactId, { accountId: reopenedAccount }, w.fresh()),
    );
    await expect(linked).rejects.toMatchObject({ code: 'ACCOUNT.CLOSED' });
    expect(await w.types(contactStream(contactId))).toEqual(['ContactCreated']);
    expect(await w.types(accountStream(reopenedAccount))).toEqual(['AccountOpened', 'AccountClosed']);
  });

  it('refuses a qualification onto the account when the closing commits in between, and records none of it', async () => {
    const w = world();
    const accountId = await w.openAccount();
    const capture = captureLead({ phone: '09121234567' });
    const { leadId } = capture.data;
    await w.executor.execute(leadDecider, leadStream(leadId), capture, w.fresh());
    const head = await w.inner.headPosition();
    const { executor, raced } = w.racing(() => w.close(accountId));
    const handler = new QualifyLeadHandler(executor, new LeadQualificationProcess(executor));
    const input = {
      accountId,
      opportunity: { name: 'سفارش', estimatedValue: { amount: 1_000_000, currency: 'IRR' }, expectedCloseDate: '2026-03-01' },
    };
    await expect(handler.execute(new QualifyLeadCommand(leadId, input, w.fresh()))).rejects.toMatchObject({ code: 'ACCOUNT.CLOSED' });
    expect(raced.times).toBe(1);
    // Only the closing was recorded after the lead's capture.
    const after = (await w.inner.readAll()).events.filter((event) => BigInt(event.position) > BigInt(head ?? '0'));
    expect(after.map((event) => event.type)).toEqual(['AccountClosed']);
  });

  it('records the link on the account with the joiner, answers a retry from the record after the closing, links nothing for a no-op', async () => {
    const w = world();
    const accountId = await w.openAccount();
    const handler = new CreateContactHandler(w.executor);
    const context = w.keyed();
    const input = { fullName: 'مریم احمدی', accountId };
    const first = await handler.execute(new CreateContactCommand(input, context));
    expect(await w.types(accountStream(accountId))).toEqual(['AccountOpened', 'AccountLinkRecorded']);
    const [link] = (await w.inner.readStream(accountStream(accountId))).slice(1);
    expect(link?.data).toEqual({ accountId, contactId: first.id, linkedAt: '2026-01-10T09:00:00.000Z' });
    // The account's record goes first in the append: a store that writes streams one by one refuses before the contact.
    expect((await w.inner.readAll()).events.map((event) => event.type).slice(-2)).toEqual(['AccountLinkRecorded', 'ContactCreated']);

    await w.close(accountId);
    // The same request again (its Idempotency-Key): its first reply, not the closing's refusal, and nothing recorded.
    expect(await handler.execute(new CreateContactCommand(input, context))).toEqual(first);
    expect(await w.types(accountStream(accountId))).toEqual(['AccountOpened', 'AccountLinkRecorded', 'AccountClosed']);

    // A link to the account the contact is already on changes nothing: no second record of it on the account.
    const other = await w.openAccount();
    const linker = new LinkContactAccountHandler(w.executor);
    await linker.execute(new LinkContactAccountCommand(first.id, { accountId: other }, w.fresh()));
    const again = await linker.execute(new LinkContactAccountCommand(first.id, { accountId: other }, w.fresh()));
    expect(await w.types(accountStream(other))).toEqual(['AccountOpened', 'AccountLinkRecorded']);
    expect(again.revision).toBe((await w.inner.readStream(contactStream(first.id))).length - 1);
  });

  it('links a contact pinned by If-Match though the account moved in between (a purchase): the account is not its revision', async () => {
    const w = world();
    const accountId = await w.openAccount();
    const contactId = await w.contact();
    const purchase: AccountCommand = {
      type: 'RecordPurchase',
      data: {
        accountId,
        purchaseId: newId(),
        amount: { amount: 5_000_000, currency: 'IRR' },
        occurredAt: '2026-01-10T08:00:00Z',
        externalRef: 'INV-1',
        recordedAt: '2026-01-10T09:05:00Z',
      },
    };
    const { executor, raced } = w.racing(() => w.onAccount(accountId, purchase));
    const pinned = { ...w.fresh(), expectedRevision: 0 };
    const reply = await new LinkContactAccountHandler(executor).execute(new LinkContactAccountCommand(contactId, { accountId }, pinned));
    expect(raced.times).toBe(1);
    expect(reply.revision).toBe(1);
    expect(await w.types(accountStream(accountId))).toEqual(['AccountOpened', 'PurchaseRecorded', 'AccountLinkRecorded']);
  });
});
