import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsUUID } from 'class-validator';

/** Every command body may name its own id instead of sending an Idempotency-Key header. */
export abstract class CommandRequestDto {
  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Client-chosen command id; the same id again returns the first reply and appends nothing.',
  })
  @IsOptional()
  @IsUUID()
  commandId?: string;
}
