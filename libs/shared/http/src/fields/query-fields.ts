import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ValidateIf } from 'class-validator';
import { Check, intProblem } from './validators';

const DIGITS = /^-?\d{1,16}$/;

/**
 * An integer in the query string, read strictly: digits only ("1e3", " 7",
 * "" are refused, not coerced), and within [min, max] where max is at most
 * 2^53 − 1 — a larger number cannot be told from its neighbours once parsed,
 * so it is a 400, never a 500 from whatever it reached.
 */
export function IntQueryField(
  min: number,
  max: number = Number.MAX_SAFE_INTEGER,
  options: { readonly description?: string; readonly default?: number } = {},
): PropertyDecorator {
  const upper = Math.min(max, Number.MAX_SAFE_INTEGER);
  return applyDecorators(
    ApiPropertyOptional({ type: 'integer', minimum: min, maximum: upper, ...options }),
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' && DIGITS.test(value) ? Number(value) : value)),
    ValidateIf((_, value) => value !== undefined),
    Check('int', intProblem(min, upper)),
  );
}
