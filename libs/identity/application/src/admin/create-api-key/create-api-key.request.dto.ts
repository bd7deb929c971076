import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, Matches, ValidateIf } from 'class-validator';
import { ROLES, TENANT_ID_PATTERN, type Role } from '@crm/identity/domain';
import { CommandRequestDto, LineField } from '@crm/shared/http';

export class CreateApiKeyRequestDto extends CommandRequestDto {
  @LineField(100, { description: 'What the key is for, e.g. the service that will use it', example: 'web-form-backend' })
  name!: string;

  @ApiProperty({ enum: ROLES, isArray: true, minItems: 1, example: ['sales'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(ROLES.length)
  @IsIn(ROLES, { each: true, message: `each role must be one of ${ROLES.join(', ')}` })
  roles!: Role[];

  @ApiPropertyOptional({
    pattern: TENANT_ID_PATTERN.source,
    description: "The key's tenant; defaults to the caller's. Only the bootstrap key may name another tenant.",
    example: 'acme',
  })
  @ValidateIf((_, value) => value !== undefined)
  @Matches(TENANT_ID_PATTERN, { message: 'tenantId must be lower-case letters, digits and inner dashes (at most 64)' })
  tenantId?: string;
}
