import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional } from 'class-validator';
import { oneSpelling } from '@crm/shared/kernel';
import {
  ANY_DIGIT_SCRIPT_TEXT,
  Check,
  DATE_OR_INSTANT_PATTERN,
  DigitsInAnyScript,
  FIRST_YEAR,
  inAnyDigitScript,
  LAST_YEAR,
  TIME_FIELD_TEXT,
  timeProblem,
} from '@crm/shared/http';

/** What a date query parameter takes, as published: the body's pattern, its digits in any of the three scripts. */
const PATTERN = inAnyDigitScript(DATE_OR_INSTANT_PATTERN);

/**
 * An optional query parameter holding a real calendar date or an instant with offset (2025-02-30 is refused), in the
 * years every date the CRM records falls in, as written and once its offset is applied (a Jalali-looking 1403-12-30 is
 * refused, not read as a Gregorian date). The same check and published pattern as a body's date field (`TimeField`):
 * before, a query took only `Z` or `±hh:mm`, and 1900-01-01T00:00+03:30 (in 1899 in UTC) that a body refuses. Its
 * digits may be Persian or Arabic-Indic (`DigitsInAnyScript`: read as ASCII ones before the check), and its published
 * pattern says so.
 */
export function DateOrInstant(description: string): PropertyDecorator {
  const check = timeProblem('date');
  return (target, key) => {
    ApiPropertyOptional({
      description: `${description}. ${TIME_FIELD_TEXT.date}; a real calendar day, years ${FIRST_YEAR}–${LAST_YEAR}, as written and in UTC. ${ANY_DIGIT_SCRIPT_TEXT}.`,
      example: '2025-03-01',
      pattern: PATTERN,
    })(target, key);
    DigitsInAnyScript()(target, key);
    IsOptional()(target, key);
    Check('date', check)(target, key);
    // The views read it in one spelling (±hh:mm, Z): only a value the check takes as it came.
    Transform(({ value }: { value: unknown }) =>
      typeof value === 'string' && check(value, {}) === undefined ? oneSpelling(value) : value,
    )(target, key);
  };
}
