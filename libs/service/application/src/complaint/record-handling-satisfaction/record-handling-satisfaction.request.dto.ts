import { CommandRequestDto, IntField, TextField } from '@crm/shared/http';
import { MAX } from '../../shared/vocabulary';

/** The complainant's satisfaction with the handling (not with the outcome), once per closing. */
export class RecordHandlingSatisfactionRequestDto extends CommandRequestDto {
  @IntField(1, 5, { description: '1 (very dissatisfied) to 5 (very satisfied)' })
  score!: number;

  @TextField(MAX.short, { optional: true })
  comment?: string;
}
