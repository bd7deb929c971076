import { CommandRequestDto, TextField, TextListField } from '@crm/shared/http';
import { MAX } from '../../shared/vocabulary';
import { LEFT_OUT_ONCE_ERASED } from '../erased-complaint-texts';

/**
 * The organisation's response; it may be revised until closing. `response` is required, except on a complaint whose
 * personal data is erased (ComplaintStreams.erasedIfLeftOut; missing otherwise: 400 COMPLAINT.TEXT_REQUIRED naming it).
 */
export class RespondToComplaintRequestDto extends CommandRequestDto {
  @TextField(MAX.text, {
    optional: true,
    example: 'کالا تعویض می‌شود و هزینه ارسال بازپرداخت می‌شود',
    description: `The response to the complainant. ${LEFT_OUT_ONCE_ERASED}`,
  })
  response?: string;

  @TextField(MAX.short, { optional: true, example: 'تعویض کالا' })
  remedy?: string;

  @TextListField(20, MAX.short, { optional: true, description: 'Corrective actions taken; none blank' })
  actions?: string[];
}
