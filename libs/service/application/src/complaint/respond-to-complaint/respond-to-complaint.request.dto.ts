import { CommandRequestDto, TextField, TextListField } from '@crm/shared/http';
import { MAX } from '../../shared/vocabulary';

/** The organisation's response; it may be revised until closing. */
export class RespondToComplaintRequestDto extends CommandRequestDto {
  @TextField(MAX.text)
  response!: string;

  @TextField(MAX.short, { optional: true, example: 'تعویض کالا' })
  remedy?: string;

  @TextListField(20, MAX.short, { optional: true, description: 'Corrective actions taken; none blank' })
  actions?: string[];
}
