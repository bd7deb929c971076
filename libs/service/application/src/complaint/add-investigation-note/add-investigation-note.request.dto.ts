import { CommandRequestDto, TextField } from '@crm/shared/http';
import { MAX } from '../../shared/vocabulary';

/** A finding of the investigation; the first one moves the complaint into investigation. */
export class AddInvestigationNoteRequestDto extends CommandRequestDto {
  @TextField(MAX.text, { example: 'انبار تأیید کرد که بسته آسیب‌دیده ارسال شده است' })
  note!: string;
}
