import { CommandRequestDto } from '@crm/shared/http';
import { ScaleField, TextField } from '../../shared/fields';
import { MAX } from '../../shared/vocabulary';

/** The complainant's satisfaction with the handling (not with the outcome), once per closing. */
export class RecordHandlingSatisfactionRequestDto extends CommandRequestDto {
  @ScaleField({ min: 1, max: 5 }, { description: '1 (very dissatisfied) to 5 (very satisfied)' })
  score!: number;

  @TextField(MAX.short, { optional: true })
  comment?: string;
}
