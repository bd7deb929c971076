import { ApiProperty } from '@nestjs/swagger';
import { ValidateIf } from 'class-validator';
import { CURRENCIES, DEFAULT_CURRENCY, isCurrency, type Money } from '@crm/shared/kernel';
import { Check, required } from './validators';

/** The amount of money at the edge: integer minor units (rials for IRR, never toman). Its currency is the subclass's. */
export abstract class MinorUnitsDto {
  @ApiProperty({ type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, example: 125_000_000, description: 'Integer minor units' })
  @Check(
    'amount',
    required((value) =>
      Number.isSafeInteger(value) && (value as number) >= 0 ? undefined : 'must be a whole, non-negative number of minor units',
    ),
  )
  amount!: number;
}

/** The currency check every money field makes: an ISO 4217 code in use (null is checked, and refused). */
export const CURRENCY_PROBLEM = (value: unknown) =>
  isCurrency(value) ? undefined : 'must be an ISO 4217 currency code in use, such as IRR';

/** Money at the edge: integer minor units and an ISO 4217 code. */
export class MoneyDto extends MinorUnitsDto {
  @ApiProperty({ required: false, default: DEFAULT_CURRENCY, enum: [...CURRENCIES].sort(), description: 'ISO 4217 code in use' })
  // null is checked (and refused); only an absent currency takes the default.
  @ValidateIf((_, value) => value !== undefined)
  @Check('currency', CURRENCY_PROBLEM)
  currency: string = DEFAULT_CURRENCY;
}

export function toMoney(dto: MoneyDto): Money {
  return { amount: dto.amount, currency: dto.currency };
}
