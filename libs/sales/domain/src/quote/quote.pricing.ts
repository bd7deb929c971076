import { DomainError } from '@crm/shared/event-sourcing';
import { InvalidValueError, money, multiplyMoney, percentOf, subtractMoney, sumMoney, type Money } from '@crm/shared/kernel';
import type { QuoteLineInput } from './quote.commands';
import type { PricedLine, QuoteTerms } from './quote.events';

/** Turns the kernel's refusal of a quantity or percent into this line's business error. */
function orRefuse<T>(compute: () => T, kernelCode: string, code: string, message: string, line: number): T {
  try {
    return compute();
  } catch (error) {
    if (error instanceof InvalidValueError && error.code === kernelCode) throw new DomainError(code, message, { line });
    throw error;
  }
}

function priceLine(input: QuoteLineInput, line: number): PricedLine {
  const unitPrice = money(input.unitPrice.amount, input.unitPrice.currency);
  if (unitPrice.amount < 0) throw new DomainError('QUOTE.INVALID_PRICE', 'Unit price cannot be negative', { line });
  const { quantity } = input;
  const quantityMessage = 'Quantity must be more than 0 with at most 3 decimals';
  if (!(quantity > 0)) throw new DomainError('QUOTE.INVALID_QUANTITY', quantityMessage, { line });
  const gross = orRefuse(
    () => multiplyMoney(unitPrice, quantity),
    'MONEY.INVALID_QUANTITY',
    'QUOTE.INVALID_QUANTITY',
    quantityMessage,
    line,
  );
  const discountPercent = input.discountPercent ?? 0;
  const discountMessage = 'Discount is a percentage 0–100 with at most 2 decimals';
  if (!(discountPercent >= 0 && discountPercent <= 100)) throw new DomainError('QUOTE.INVALID_DISCOUNT', discountMessage, { line });
  const discount = orRefuse(
    () => percentOf(gross, discountPercent),
    'MONEY.INVALID_PERCENT',
    'QUOTE.INVALID_DISCOUNT',
    discountMessage,
    line,
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

/**
 * Prices every line in integer minor units (banker's rounding per line, in the kernel) and
 * sums them. Totals are computed here, never taken from the caller.
 */
export function priceQuote(inputs: readonly QuoteLineInput[], validUntil: string): QuoteTerms {
  const first = inputs[0];
  if (first === undefined) throw new DomainError('QUOTE.NO_LINES', 'A quote needs at least one line');
  const currency = first.unitPrice.currency;
  const currencies = [...new Set(inputs.map((input) => input.unitPrice.currency))];
  if (currencies.length > 1) {
    throw new DomainError('QUOTE.MIXED_CURRENCY', 'All lines of a quote are priced in one currency', { currencies });
  }
  const lines = inputs.map(priceLine);
  const sum = (pick: (line: PricedLine) => Money) => sumMoney(lines.map(pick), currency);
  return {
    currency,
    lines,
    subtotal: sum((line) => line.gross),
    discountTotal: sum((line) => line.discount),
    total: sum((line) => line.total),
    validUntil,
  };
}
