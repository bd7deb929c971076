import { CommandRequestDto, EnumField, TextField } from '@crm/shared/http';
import { ESCALATION_LEVELS, type EscalationLevel } from '@crm/service/domain';
import { MAX } from '../../shared/vocabulary';
import { LEFT_OUT_ONCE_ERASED } from '../erased-complaint-texts';

/** `local` is where every complaint starts, never a destination. */
const UPWARD_LEVELS = ESCALATION_LEVELS.filter((level): level is Exclude<EscalationLevel, 'local'> => level !== 'local');

/** Upward only (head office, an ISO 10003 external body, the courts); levels may be skipped. */
export class EscalateComplaintRequestDto extends CommandRequestDto {
  @EnumField(UPWARD_LEVELS, { example: 'head_office' })
  toLevel!: Exclude<EscalationLevel, 'local'>;

  @TextField(MAX.short, {
    optional: true,
    example: 'نیاز به تأیید تعویض از دفتر مرکزی',
    description: `Why it goes up. ${LEFT_OUT_ONCE_ERASED}`,
  })
  reason?: string;
}
