import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsUUID, ValidateIf } from 'class-validator';

/** Every command body may name its own id instead of sending an Idempotency-Key header. */
export abstract class CommandRequestDto {
  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Client-chosen command id; the same id again returns the first reply and appends nothing.',
  })
  // Absent is absent; null is checked (and refused), not taken for absent.
  @ValidateIf((_, value) => value !== undefined)
  @IsUUID()
  commandId?: string;
}
