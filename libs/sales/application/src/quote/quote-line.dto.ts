import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ValidateIf } from 'class-validator';
import { priceQuote, QUOTE_REFUSALS, quoteCurrency, type QuoteLineInput } from '@crm/sales/domain';
import { DomainError } from '@crm/shared/event-sourcing';
import { type BodyRule, Check, MoneyDto, NestedField, type Problem, required, TextField, toMoney } from '@crm/shared/http';

const MAX_QUANTITY = 1_000_000_000;

function decimalProblem(decimals: number, inRange: (n: number) => boolean, range: string): Problem {
  return (value) => {
    const ok = typeof value === 'number' && Number.isFinite(value) && inRange(value) && Number(value.toFixed(decimals)) === value;
    return ok ? undefined : `must be a number ${range} with at most ${decimals} decimals`;
  };
}

/** A line as the caller writes it; gross, discount and totals are computed by the domain, never taken from here. */
export class QuoteLineDto {
  @TextField(500, { example: 'ورق فولادی گرم‌نورد، تن' })
  description!: string;

  @ApiProperty({ minimum: 0, exclusiveMinimum: true, maximum: MAX_QUANTITY, example: 2.5, description: 'At most 3 decimals' })
  @Check('quantity', required(decimalProblem(3, (n) => n > 0 && n <= MAX_QUANTITY, `more than 0 and at most ${MAX_QUANTITY}`)))
  quantity!: number;

  @NestedField(() => MoneyDto, { description: 'Price of one unit' })
  unitPrice!: MoneyDto;

  @ApiPropertyOptional({ minimum: 0, maximum: 100, example: 5, description: 'Percent, at most 2 decimals' })
  @ValidateIf((_, value) => value !== undefined)
  @Check('percent', decimalProblem(2, (n) => n >= 0 && n <= 100, 'from 0 to 100'))
  discountPercent?: number;
}

export function toQuoteLines(lines: readonly QuoteLineDto[]): QuoteLineInput[] {
  return lines.map(({ description, quantity, unitPrice, discountPercent }) => ({
    description,
    quantity,
    unitPrice: toMoney(unitPrice),
    discountPercent,
  }));
}

/** Every line in one currency (the domain's rule), named at the edge beside the body's other bad fields. */
export const ONE_CURRENCY: BodyRule = {
  reads: ['lines.*.unitPrice.currency'],
  check: ({ lines }) => {
    if (Array.isArray(lines)) quoteCurrency(lines as { unitPrice: { currency: string } }[]);
  },
};

/**
 * A quote's totals kept exactly (the domain's 2^53 − 1 minor units, QUOTE.TOTAL_TOO_LARGE), named at the edge beside
 * the body's other bad fields (a past `validUntil`): asked only of lines the field checks passed whole.
 */
export const TOTAL_KEPT_EXACTLY: BodyRule = {
  reads: ['lines'],
  check: ({ lines }) => {
    if (!Array.isArray(lines) || lines.length === 0) return;
    try {
      priceQuote(toQuoteLines(lines as QuoteLineDto[]), '');
    } catch (error) {
      // Mixed currencies are ONE_CURRENCY's to name; anything else the field checks named already.
      if (error instanceof DomainError && error.code === QUOTE_REFUSALS.TOTAL_TOO_LARGE.code) throw error;
    }
  },
};
