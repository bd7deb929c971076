import { CommandRequestDto, TextField } from '@crm/shared/http';
import { MAX } from '../../shared/vocabulary';

/** ISO 10002 7.3: the complainant hears promptly that the complaint arrived. */
export class AcknowledgeComplaintRequestDto extends CommandRequestDto {
  @TextField(MAX.short, { optional: true, description: 'What the complainant was told', example: 'شکایت شما دریافت شد و پیگیری می‌شود' })
  message?: string;
}
