import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional, Matches } from 'class-validator';
import { Check, FIRST_YEAR, LAST_YEAR, yearsProblem } from '@crm/shared/http';

// A date, or an instant with its offset: a time without one would mean something else on every server.
const DATE_OR_INSTANT = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;
const DATE_MESSAGE = '$property must be an ISO 8601 date (2025-03-01) or an instant with offset (2025-03-01T10:00:00+03:30)';
/**
 * What the checks below accept, as the document publishes it (ECMA-262): a date in the years FIRST_YEAR–LAST_YEAR,
 * or a time with its offset (Z or ±hh:mm). Beyond a pattern, the day must exist (no 2025-02-30).
 */
const DATE_OR_INSTANT_PATTERN =
  '^(?:19|2[01])\\d{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\\d|3[01])' +
  '(?:T(?:[01]\\d|2[0-3]):[0-5]\\d(?::[0-5]\\d(?:\\.\\d{1,9})?)?(?:Z|[+-](?:[01]\\d|2[0-3]):[0-5]\\d))?$';
const DATE_OR_INSTANT_TEXT =
  'A date, YYYY-MM-DD (that whole business day), or a date-time with its offset, ' +
  'YYYY-MM-DDThh:mm[:ss[.fraction]] then Z or ±hh:mm (2025-03-01T10:00:00+03:30)';

/**
 * An optional query parameter holding a real calendar date or an instant with offset (2025-02-30 is refused), in the
 * years every date the CRM records falls in (a Jalali-looking 1403-12-30 is refused, not read as a Gregorian date).
 */
export function DateOrInstant(description: string): PropertyDecorator {
  return (target, key) => {
    ApiPropertyOptional({
      description: `${description}. ${DATE_OR_INSTANT_TEXT}; a real calendar day, years ${FIRST_YEAR}–${LAST_YEAR}.`,
      example: '2025-03-01',
      pattern: DATE_OR_INSTANT_PATTERN,
    })(target, key);
    IsOptional()(target, key);
    Matches(DATE_OR_INSTANT, { message: DATE_MESSAGE })(target, key);
    IsISO8601({ strict: true }, { message: DATE_MESSAGE })(target, key);
    Check('years', yearsProblem)(target, key);
  };
}
