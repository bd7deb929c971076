import { CommandRequestDto, TextField, TimeField } from '@crm/shared/http';
import { MAX } from '../../shared/limits';
import { OccurrenceField } from '../occurrence.field';

export class CompleteActivityRequestDto extends CommandRequestDto {
  @TextField(MAX.outcome, { example: 'مشتری پیش‌فاکتور را تأیید کرد' })
  outcome!: string;

  @OccurrenceField('the open occurrence due first')
  occurrence?: number;

  @TimeField('instant', { optional: true, description: 'When it was done; now when absent' })
  completedAt?: string;
}
