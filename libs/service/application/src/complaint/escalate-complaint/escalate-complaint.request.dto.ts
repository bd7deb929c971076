import { CommandRequestDto, EnumField, TextField } from '@crm/shared/http';
import { ESCALATION_LEVELS, type EscalationLevel } from '@crm/service/domain';
import { MAX } from '../../shared/vocabulary';

/** `local` is where every complaint starts, never a destination. */
const UPWARD_LEVELS = ESCALATION_LEVELS.filter((level): level is Exclude<EscalationLevel, 'local'> => level !== 'local');

/** Upward only (head office, an ISO 10003 external body, the courts); levels may be skipped. */
export class EscalateComplaintRequestDto extends CommandRequestDto {
  @EnumField(UPWARD_LEVELS, { example: 'head_office' })
  toLevel!: Exclude<EscalationLevel, 'local'>;

  @TextField(MAX.short)
  reason!: string;
}
