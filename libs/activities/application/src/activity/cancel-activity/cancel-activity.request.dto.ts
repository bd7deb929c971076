import { CommandRequestDto, TextField } from '@crm/shared/http';
import { MAX } from '../../shared/limits';
import { OccurrenceField } from '../occurrence.field';

export class CancelActivityRequestDto extends CommandRequestDto {
  @OccurrenceField('every occurrence still open (the rest of the series)')
  occurrence?: number;

  @TextField(MAX.reason, { optional: true, example: 'مشتری از خرید منصرف شد' })
  reason?: string;
}
