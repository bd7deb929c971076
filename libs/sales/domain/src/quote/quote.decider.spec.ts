import { foldEvents } from '@crm/shared/event-sourcing';
import { money } from '@crm/shared/kernel';
// Test-only: the tag rule has no spec-file exception for domain → testing yet.
import { deciderSpec } from '@crm/shared/testing';
import type { CreateQuote, QuoteCommand, QuoteLineInput } from './quote.commands';
import { quoteDecider } from './quote.decider';
import type { QuoteCreated, QuoteEvent } from './quote.events';

const spec = deciderSpec(quoteDecider);
const quoteId = 'quote-1';
const opportunityId = 'opp-1';
const createdAt = '2025-03-05T10:00:00+03:30';
const validUntil = '2025-03-20';
const IRR = (amount: number) => ({ amount, currency: 'IRR' });

const steel: QuoteLineInput = {
  description: 'ورق فولادی گرم‌نورد (تن)',
  quantity: 2.5,
  unitPrice: money(350_000_000),
  discountPercent: 10,
};
const setup: QuoteLineInput = { description: 'نصب و راه‌اندازی', quantity: 1, unitPrice: money(120_000_000) };
const pricedSetup = {
  ...setup,
  unitPrice: IRR(120_000_000),
  discountPercent: 0,
  gross: IRR(120_000_000),
  discount: IRR(0),
  total: IRR(120_000_000),
};

const createCommand: CreateQuote = { type: 'CreateQuote', data: { quoteId, opportunityId, lines: [steel, setup], validUntil, createdAt } };

const created: QuoteCreated = {
  type: 'QuoteCreated',
  data: {
    quoteId,
    opportunityId,
    revision: 1,
    currency: 'IRR',
    lines: [
      {
        ...steel,
        unitPrice: IRR(350_000_000),
        discountPercent: 10,
        gross: IRR(875_000_000),
        discount: IRR(87_500_000),
        total: IRR(787_500_000),
      },
      pricedSetup,
    ],
    subtotal: IRR(995_000_000),
    discountTotal: IRR(87_500_000),
    total: IRR(907_500_000),
    validUntil,
    createdAt,
  },
};

const issuedAt = '2025-03-06T09:00:00+03:30';
const issuedEvent: QuoteEvent = {
  type: 'QuoteIssued',
  data: { quoteId, opportunityId, revision: 1, total: IRR(907_500_000), validUntil, issuedAt },
};
const acceptedEvent: QuoteEvent = {
  type: 'QuoteAccepted',
  data: { quoteId, opportunityId, revision: 1, total: IRR(907_500_000), acceptedAt: '2025-03-20T23:00:00+03:30' },
};
const rejectedEvent: QuoteEvent = {
  type: 'QuoteRejected',
  data: { quoteId, opportunityId, revision: 1, reason: 'مبلغ بالاتر از بودجه', rejectedAt: issuedAt },
};

const withLines = (lines: QuoteLineInput[]): QuoteCommand => ({ ...createCommand, data: { ...createCommand.data, lines } });
const issue: QuoteCommand = { type: 'IssueQuote', data: { quoteId, issuedAt } };
const accept = (at: string, recordedAt = at): QuoteCommand => ({ type: 'AcceptQuote', data: { quoteId, at, recordedAt } });
const reject: QuoteCommand = { type: 'RejectQuote', data: { quoteId, reason: 'مبلغ بالاتر از بودجه', at: issuedAt } };
const revisedAt = '2025-03-07T12:00:00+03:30';

describe('quote decider', () => {
  describe('CreateQuote', () => {
    it('prices every line and the totals in integer rials', () => {
      spec.given([]).when(createCommand).then([created]);
    });

    it('rounds each line half to even, so fractions never reach the totals', () => {
      const [tiny] = quoteDecider.decide(
        withLines([{ description: 'پیچ', quantity: 0.125, unitPrice: money(333), discountPercent: 12.5 }]),
        quoteDecider.initialState(),
      ) as [QuoteCreated];
      expect(tiny.data.lines[0]).toMatchObject({ gross: IRR(42), discount: IRR(5), total: IRR(37) });
      const [tie] = quoteDecider.decide(
        withLines([{ description: 'مهره', quantity: 0.5, unitPrice: money(5) }]),
        quoteDecider.initialState(),
      ) as [QuoteCreated];
      expect(tie.data.total).toEqual(IRR(2));
    });

    it('refuses lines in more than one currency', () => {
      spec
        .given([])
        .when(withLines([steel, { ...setup, unitPrice: money(4_000, 'EUR') }]))
        .thenThrows('QUOTE.MIXED_CURRENCY', { currencies: ['IRR', 'EUR'] });
    });

    it('refuses bad quantities, discounts and prices, naming the line', () => {
      spec
        .given([])
        .when(withLines([steel, { ...setup, quantity: 0 }]))
        .thenThrows('QUOTE.INVALID_QUANTITY', { fields: ['lines.1.quantity'] });
      spec
        .given([])
        .when(withLines([{ ...setup, quantity: 1.2345 }]))
        .thenThrows('QUOTE.INVALID_QUANTITY', { fields: ['lines.0.quantity'] });
      spec
        .given([])
        .when(withLines([{ ...setup, discountPercent: 101 }]))
        .thenThrows('QUOTE.INVALID_DISCOUNT', { fields: ['lines.0.discountPercent'] });
      spec
        .given([])
        .when(withLines([{ ...setup, discountPercent: 12.345 }]))
        .thenThrows('QUOTE.INVALID_DISCOUNT');
      spec
        .given([])
        .when(withLines([{ ...setup, unitPrice: money(-1) }]))
        .thenThrows('QUOTE.INVALID_PRICE');
    });

    it('refuses totals beyond 2^53 − 1 (computed server-side) instead of rounding them', () => {
      const huge = { ...setup, quantity: 2, unitPrice: money(Number.MAX_SAFE_INTEGER - 1) };
      spec
        .given([])
        .when(withLines([huge]))
        .thenThrows('QUOTE.TOTAL_TOO_LARGE', { fields: ['lines.0.quantity'] });
      const half = { ...setup, quantity: 1, unitPrice: money(2 ** 52) };
      spec
        .given([])
        .when(withLines([half, half]))
        .thenThrows('QUOTE.TOTAL_TOO_LARGE', { fields: ['lines'] });
    });

    it('refuses a quote without lines, one already expired, and a second creation', () => {
      spec.given([]).when(withLines([])).thenThrows('QUOTE.NO_LINES');
      spec
        .given([])
        .when({ ...createCommand, data: { ...createCommand.data, validUntil: '2025-03-04' } })
        .thenThrows('QUOTE.INVALID_VALIDITY');
      spec.given([created]).when(createCommand).thenThrows('QUOTE.ALREADY_EXISTS');
    });

    it('is the creating command', () => {
      expect(quoteDecider.isNew?.(createCommand)).toBe(true);
      expect(quoteDecider.isNew?.(issue)).toBe(false);
    });
  });

  describe('IssueQuote', () => {
    it('issues a draft', () => {
      spec.given([created]).when(issue).then([issuedEvent]);
    });

    it('refuses a quote that is not a draft', () => {
      spec.given([created, issuedEvent]).when(issue).thenThrows('QUOTE.NOT_DRAFT', { status: 'issued' });
      spec.given([created, issuedEvent, rejectedEvent]).when(issue).thenThrows('QUOTE.NOT_DRAFT', { status: 'rejected' });
      spec.given([created, issuedEvent, acceptedEvent]).when(issue).thenThrows('QUOTE.ACCEPTED');
    });

    it('refuses a draft whose validity has passed, and an unknown quote', () => {
      spec
        .given([created])
        .when({ type: 'IssueQuote', data: { quoteId, issuedAt: '2025-03-21T08:00:00+03:30' } })
        .thenThrows('QUOTE.EXPIRED');
      spec.given([]).when(issue).thenThrows('QUOTE.NOT_FOUND');
    });
  });

  describe('AcceptQuote', () => {
    it('accepts an issued quote up to the end of its last valid day, carrying what wins the opportunity', () => {
      spec.given([created, issuedEvent]).when(accept('2025-03-20T23:00:00+03:30')).then([acceptedEvent]);
    });

    it('refuses an acceptance after the validity, its last day a business day (Tehran) however the time is written', () => {
      spec.given([created, issuedEvent]).when(accept('2025-03-21T00:30:00+03:30')).thenThrows('QUOTE.EXPIRED', { validUntil });
      // The same instant in UTC (an outside probe had it accepted, and the deal won).
      spec.given([created, issuedEvent]).when(accept('2025-03-20T21:00:00Z')).thenThrows('QUOTE.EXPIRED', { validUntil });
      spec
        .given([created, issuedEvent])
        .when(accept('2025-03-20T20:29:59Z'))
        .then([
          {
            type: 'QuoteAccepted',
            data: { quoteId, opportunityId, revision: 1, total: IRR(907_500_000), acceptedAt: '2025-03-20T20:29:59Z' },
          },
        ]);
    });

    it('refuses an acceptance back-dated to within the validity once the offer has expired, or dated before issue or ahead of now', () => {
      const backDated = accept('2025-03-20T12:00:00+03:30', '2025-03-22T09:00:00+03:30');
      spec.given([created, issuedEvent]).when(backDated).thenThrows('QUOTE.EXPIRED', { validUntil });
      spec
        .given([created, issuedEvent])
        .when(accept('2025-03-01T12:00:00+03:30', '2025-03-10T12:00:00+03:30'))
        .thenThrows('QUOTE.INVALID_ACCEPTANCE_TIME', { fields: ['acceptedAt'] });
      spec
        .given([created, issuedEvent])
        .when(accept('2025-03-10T12:10:00+03:30', '2025-03-10T12:00:00+03:30'))
        .thenThrows('QUOTE.INVALID_ACCEPTANCE_TIME', { fields: ['acceptedAt'] });
    });

    it('refuses a draft, a rejected, an accepted and an unknown quote', () => {
      const at = '2025-03-10T10:00:00+03:30';
      spec.given([created]).when(accept(at)).thenThrows('QUOTE.NOT_ISSUED', { status: 'draft' });
      spec.given([created, issuedEvent, rejectedEvent]).when(accept(at)).thenThrows('QUOTE.NOT_ISSUED', { status: 'rejected' });
      spec.given([created, issuedEvent, acceptedEvent]).when(accept(at)).thenThrows('QUOTE.ACCEPTED');
      spec.given([]).when(accept(at)).thenThrows('QUOTE.NOT_FOUND');
    });
  });

  describe('RejectQuote', () => {
    it('rejects an issued quote with the reason', () => {
      spec.given([created, issuedEvent]).when(reject).then([rejectedEvent]);
    });

    it('refuses a draft, an accepted and an unknown quote', () => {
      spec.given([created]).when(reject).thenThrows('QUOTE.NOT_ISSUED');
      spec.given([created, issuedEvent, acceptedEvent]).when(reject).thenThrows('QUOTE.ACCEPTED');
      spec.given([]).when(reject).thenThrows('QUOTE.NOT_FOUND');
    });
  });

  describe('ReviseQuote', () => {
    const { createdAt: _at, ...terms } = created.data;

    it('prices new lines as the next revision, back to draft', () => {
      spec
        .given([created, issuedEvent, rejectedEvent])
        .when({ type: 'ReviseQuote', data: { quoteId, lines: [setup], revisedAt } })
        .then([
          {
            type: 'QuoteRevised',
            data: {
              ...terms,
              revision: 2,
              lines: [pricedSetup],
              subtotal: IRR(120_000_000),
              discountTotal: IRR(0),
              total: IRR(120_000_000),
              revisedAt,
            },
          },
        ]);
    });

    it('extends the validity alone, keeping the priced lines', () => {
      spec
        .given([created, issuedEvent])
        .when({ type: 'ReviseQuote', data: { quoteId, validUntil: '2025-04-10', revisedAt } })
        .then([{ type: 'QuoteRevised', data: { ...terms, revision: 2, validUntil: '2025-04-10', revisedAt } }]);
    });

    it('refuses an accepted quote and a revision with nothing in it', () => {
      spec
        .given([created, issuedEvent, acceptedEvent])
        .when({ type: 'ReviseQuote', data: { quoteId, validUntil: '2025-04-10', revisedAt } })
        .thenThrows('QUOTE.ACCEPTED');
      spec.given([created]).when({ type: 'ReviseQuote', data: { quoteId, revisedAt } }).thenThrows('QUOTE.NOTHING_TO_REVISE');
    });

    it('applies the creation rules to the new terms', () => {
      spec
        .given([created])
        .when({ type: 'ReviseQuote', data: { quoteId, lines: [steel, { ...setup, unitPrice: money(40, 'USD') }], revisedAt } })
        .thenThrows('QUOTE.MIXED_CURRENCY');
      spec
        .given([created])
        .when({ type: 'ReviseQuote', data: { quoteId, validUntil: '2025-03-01', revisedAt } })
        .thenThrows('QUOTE.INVALID_VALIDITY');
      spec
        .given([])
        .when({ type: 'ReviseQuote', data: { quoteId, validUntil: '2025-04-10', revisedAt } })
        .thenThrows('QUOTE.NOT_FOUND');
    });
  });

  describe('evolve', () => {
    const { quoteId: _q, opportunityId: _o, revision: _r, createdAt: _c, ...terms } = created.data;
    const revised: QuoteEvent = {
      type: 'QuoteRevised',
      data: { quoteId, opportunityId, revision: 2, ...terms, validUntil: '2025-04-10', revisedAt },
    };
    const history: QuoteEvent[] = [created, issuedEvent, rejectedEvent, revised];

    it('folds each status with the terms of the current revision', () => {
      spec.given([created, issuedEvent]).thenState({ status: 'issued', quoteId, opportunityId, revision: 1, terms, issuedAt });
      spec
        .given(history.slice(0, 3))
        .thenState({ status: 'rejected', quoteId, opportunityId, revision: 1, terms, reason: 'مبلغ بالاتر از بودجه' });
      spec
        .given(history)
        .thenState({ status: 'draft', quoteId, opportunityId, revision: 2, terms: { ...terms, validUntil: '2025-04-10' } });
      spec
        .given([created, issuedEvent, acceptedEvent])
        .thenState({ status: 'accepted', quoteId, opportunityId, revision: 1, terms, acceptedAt: '2025-03-20T23:00:00+03:30' });
    });

    it('replays deterministically, also from events read back as JSON', () => {
      const once = foldEvents(quoteDecider, quoteDecider.initialState(), history);
      expect(foldEvents(quoteDecider, quoteDecider.initialState(), history)).toStrictEqual(once);
      expect(foldEvents(quoteDecider, quoteDecider.initialState(), JSON.parse(JSON.stringify(history)) as QuoteEvent[])).toStrictEqual(
        once,
      );
    });
  });
});
