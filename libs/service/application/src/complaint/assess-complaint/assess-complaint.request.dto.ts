import { CommandRequestDto, EnumField, TextField } from '@crm/shared/http';
import { SEVERITIES, type Severity, type Urgency } from '@crm/service/domain';
import { MAX, URGENCIES } from '../../shared/vocabulary';

/** The severity sets the SLA deadlines from the configured policy. */
export class AssessComplaintRequestDto extends CommandRequestDto {
  @EnumField(SEVERITIES, { example: 'high' })
  severity!: Severity;

  @EnumField(URGENCIES, { optional: true })
  urgency?: Urgency;

  @TextField(MAX.short, { optional: true })
  rationale?: string;
}
