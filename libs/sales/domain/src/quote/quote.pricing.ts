import { DomainError } from '@crm/shared/event-sourcing';
import { InvalidValueError, money, multiplyMoney, percentOf, subtractMoney, sumMoney, type Money, type Refusal } from '@crm/shared/kernel';
import type { QuoteLineInput } from './quote.commands';
import type { PricedLine, QuoteTerms } from './quote.events';
import { QUOTE_REFUSALS } from './quote.refusals';

type LineRefusal = Refusal<string, 400>;

/**
 * Turns the kernel's refusal of a quantity or percent into this line's refusal,
 * naming the field; an amount past 2^53 − 1 is a total too large to keep exactly.
 */
function orRefuse<T>(compute: () => T, kernelCode: string, refusal: LineRefusal, message: string, field: string): T {
  try {
    return compute();
  } catch (error) {
    if (error instanceof InvalidValueError && error.code === kernelCode) throw new DomainError(refusal, message, { fields: [field] });
    if (error instanceof InvalidValueError && error.code === 'MONEY.OVERFLOW') {
      throw new DomainError(QUOTE_REFUSALS.TOTAL_TOO_LARGE, error.message, { fields: [field] });
    }
    throw error;
  }
}

function priceLine(input: QuoteLineInput, line: number): PricedLine {
  const unitPrice = money(input.unitPrice.amount, input.unitPrice.currency);
  const at = `lines.${line}`;
  if (unitPrice.amount < 0) {
    throw new DomainError(QUOTE_REFUSALS.INVALID_PRICE, 'Unit price cannot be negative', { fields: [`${at}.unitPrice.amount`] });
  }
  const { quantity } = input;
  const quantityMessage = 'Quantity must be more than 0 with at most 3 decimals';
  if (!(quantity > 0)) throw new DomainError(QUOTE_REFUSALS.INVALID_QUANTITY, quantityMessage, { fields: [`${at}.quantity`] });
  const gross = orRefuse(
    () => multiplyMoney(unitPrice, quantity),
    'MONEY.INVALID_QUANTITY',
    QUOTE_REFUSALS.INVALID_QUANTITY,
    quantityMessage,
    `${at}.quantity`,
  );
  const discountPercent = input.discountPercent ?? 0;
  const discountMessage = 'Discount is a percentage 0–100 with at most 2 decimals';
  if (!(discountPercent >= 0 && discountPercent <= 100)) {
    throw new DomainError(QUOTE_REFUSALS.INVALID_DISCOUNT, discountMessage, { fields: [`${at}.discountPercent`] });
  }
  const discount = orRefuse(
    () => percentOf(gross, discountPercent),
    'MONEY.INVALID_PERCENT',
    QUOTE_REFUSALS.INVALID_DISCOUNT,
    discountMessage,
    `${at}.discountPercent`,
  );
  return {
    description: input.description.trim(),
    quantity,
    unitPrice,
    discountPercent,
    gross,
    discount,
    total: subtractMoney(gross, discount),
  };
}

/** The one currency every line of a quote is priced in (undefined for no lines); QUOTE.MIXED_CURRENCY naming each line's otherwise. */
export function quoteCurrency(inputs: readonly { readonly unitPrice: { readonly currency: string } }[]): string | undefined {
  const currencies = [...new Set(inputs.map((input) => input.unitPrice.currency))];
  if (currencies.length > 1) {
    throw new DomainError(QUOTE_REFUSALS.MIXED_CURRENCY, 'All lines of a quote are priced in one currency', {
      fields: inputs.map((_, index) => `lines.${index}.unitPrice.currency`),
      currencies,
    });
  }
  return currencies[0];
}

/**
 * Prices every line in integer minor units (banker's rounding per line, in the kernel) and
 * sums them. Totals are computed here, never taken from the caller.
 */
export function priceQuote(inputs: readonly QuoteLineInput[], validUntil: string): QuoteTerms {
  const first = inputs[0];
  if (first === undefined) throw new DomainError(QUOTE_REFUSALS.NO_LINES, 'A quote needs at least one line', { fields: ['lines'] });
  const currency = quoteCurrency(inputs) ?? first.unitPrice.currency;
  const lines = inputs.map(priceLine);
  const sum = (pick: (line: PricedLine) => Money) =>
    orRefuse(
      () => sumMoney(lines.map(pick), currency),
      'MONEY.OVERFLOW',
      QUOTE_REFUSALS.TOTAL_TOO_LARGE,
      'The quote total is beyond 2^53 − 1',
      'lines',
    );
  return {
    currency,
    lines,
    subtotal: sum((line) => line.gross),
    discountTotal: sum((line) => line.discount),
    total: sum((line) => line.total),
    validUntil,
  };
}
