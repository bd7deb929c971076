import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';

/** The shape every store's positions share. */
const POSITION_SHAPE = /^\d{1,20}(?:[/:]\d{1,20})?$/;

/** Every query may ask to see at least the effects of a command: its reply's `position`. */
export class MinPositionQueryDto {
  @ApiPropertyOptional({
    description:
      'Wait (bounded) until the read model has applied this position; else 503 + Retry-After. A `position` as a command reply ' +
      'gives it: the pattern is the shape every store shares (SQLite `123`, PostgreSQL `7781/204`, KurrentDB `123:123`); the ' +
      'store then checks its own form (no leading zero, within its range), and a position it cannot have written is a 400 too.',
    pattern: POSITION_SHAPE.source,
    maxLength: 64,
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  // So a malformed one is named beside the query's other bad fields; the store then checks its own form.
  @Matches(POSITION_SHAPE, { message: 'minPosition must be a position returned by a command reply' })
  minPosition?: string;
}
