import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

/** Every query may ask to see at least the effects of a command: its reply's `position`. */
export class MinPositionQueryDto {
  @ApiPropertyOptional({ description: 'Wait (bounded) until the read model has applied this position; else 503 + Retry-After.' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  minPosition?: string;
}
