import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';

/** Every query may ask to see at least the effects of a command: its reply's `position`. */
export class MinPositionQueryDto {
  @ApiPropertyOptional({ description: 'Wait (bounded) until the read model has applied this position; else 503 + Retry-After.' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  // The shape every store's positions share (SQLite `123`, PostgreSQL `7781/204`, KurrentDB `123:123`), so a malformed one
  // is named beside the query's other bad fields; the store then checks its own form.
  @Matches(/^\d{1,20}(?:[/:]\d{1,20})?$/, { message: 'minPosition must be a position returned by a command reply' })
  minPosition?: string;
}
