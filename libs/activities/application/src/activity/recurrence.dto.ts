import { applyDecorators } from '@nestjs/common';
import { MAX_OCCURRENCES, type Recurrence, type RecurrenceFrequency } from '@crm/activities/domain';
import { EnumField, IntField, IsOneForm, NestedField, TimeField, type FieldOptions } from '@crm/shared/http';

const FREQUENCIES = ['daily', 'weekly', 'monthly', 'yearly'] as const satisfies readonly RecurrenceFrequency[];

/** `{ frequency, interval, count }` or `{ frequency, interval, until }`. */
export class RecurrenceDto {
  @EnumField(FREQUENCIES, {
    example: 'weekly',
    description:
      "Steps are taken on the business time zone's wall clock (Asia/Tehran unless the installation sets another), with its rules, " +
      'whatever offset `dueAt` is written in: a monthly series at 01:00 on the 1st stays there, and keeps its local hour across a ' +
      "change of offset. A month or year keeps dueAt's day, on the month's last day when it has fewer. " +
      'A local time the clock jumped over is read with the offset before the jump.',
  })
  frequency!: RecurrenceFrequency;

  // A year of days is the longest step anyone plans by; longer series use yearly.
  @IntField(1, 365, { example: 1, description: 'Every `interval` days, weeks, months or years' })
  interval!: number;

  @IntField(1, MAX_OCCURRENCES, { optional: true, example: 4, description: 'How many occurrences; exactly one of count or until' })
  count?: number;

  @TimeField('instant', {
    optional: true,
    description: `Last possible due time, inclusive; at most ${MAX_OCCURRENCES} occurrences; exactly one of count or until`,
  })
  until?: string;
}

// Listed on the parent: class-validator skips an absent optional field, so "neither" can only be seen from there.
const END_FORMS = { count: [], until: [] } as const;

export function RecurrenceField(options: FieldOptions = {}): PropertyDecorator {
  return applyDecorators(
    NestedField(() => RecurrenceDto, options),
    IsOneForm(END_FORMS, () => RecurrenceDto),
  );
}

export function toRecurrence(dto: RecurrenceDto | undefined): Recurrence | undefined {
  if (dto === undefined) return undefined;
  const { frequency, interval, count, until } = dto;
  return count === undefined ? { frequency, interval, until } : { frequency, interval, count };
}
