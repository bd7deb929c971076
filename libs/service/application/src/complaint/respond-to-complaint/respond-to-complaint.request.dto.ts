import { CommandRequestDto, TextField } from '@crm/shared/http';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsOptional, IsString, MaxLength } from 'class-validator';
import { MAX } from '../../shared/vocabulary';

/** The organisation's response; it may be revised until closing. */
export class RespondToComplaintRequestDto extends CommandRequestDto {
  @TextField(MAX.text)
  response!: string;

  @TextField(MAX.short, { optional: true, example: 'تعویض کالا' })
  remedy?: string;

  @ApiPropertyOptional({ type: [String], maxItems: 20, description: 'Corrective actions taken' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(MAX.short, { each: true })
  actions?: string[];
}
