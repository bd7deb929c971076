import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ValidateIf } from 'class-validator';
import { Check, CURRENCY_PROBLEM, MinorUnitsDto } from '@crm/shared/http';
import { CURRENCIES } from '@crm/shared/kernel';
import type { CostAmount } from '@crm/marketing/domain';

/**
 * Money as everywhere in the API (integer minor units, an ISO 4217 code, the same checks as MoneyDto), except the
 * currency's default: a cost is recorded in its campaign's budget currency, so an absent currency means that one
 * (the decider fills it in), not the API-wide IRR. MoneyDto sets its default before the handler could tell.
 */
export class CostAmountDto extends MinorUnitsDto {
  // The document says what the rule takes: more than zero (CAMPAIGN.COST_NOT_POSITIVE, named beside the body's other
  // bad fields: the request's @AlsoChecks). MinorUnitsDto's check (a whole, non-negative number) still applies.
  @ApiProperty({
    type: 'integer',
    minimum: 1,
    maximum: Number.MAX_SAFE_INTEGER,
    example: 15_000_000,
    description: 'Integer minor units, more than zero',
  })
  declare amount: number;

  @ApiPropertyOptional({
    enum: [...CURRENCIES].sort(),
    description: "ISO 4217 code in use; absent: the campaign budget's currency. Any other currency than the budget's is refused (409).",
  })
  // null is checked (and refused); only an absent currency takes the budget's.
  @ValidateIf((_, value) => value !== undefined)
  @Check('currency', CURRENCY_PROBLEM)
  currency?: string;
}

/** Plain data, as the command takes it; no currency stays none. */
export function toCostAmount(dto: CostAmountDto): CostAmount {
  return dto.currency === undefined ? { amount: dto.amount } : { amount: dto.amount, currency: dto.currency };
}
