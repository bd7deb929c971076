import { applyDecorators, type Type as ClassType } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDefined, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, IsUUID, Max, MaxLength, Min, ValidateNested } from 'class-validator';

/**
 * Composite field decorators: each pairs the class-validator rules with the OpenAPI
 * description, so the published contract and the checks cannot drift apart.
 */
export interface FieldOptions {
  readonly optional?: boolean;
  readonly description?: string;
  readonly example?: unknown;
}

const presence = (options: FieldOptions) => (options.optional ? IsOptional() : IsDefined());

function documented(options: FieldOptions, schema: Record<string, unknown>): PropertyDecorator {
  return ApiProperty({
    required: !options.optional,
    ...(options.description === undefined ? {} : { description: options.description }),
    ...(options.example === undefined ? {} : { example: options.example }),
    ...schema,
  });
}

/** Free text; a required one may not be empty (the domain also refuses text that is only invisible marks). */
export function TextField(maxLength: number, options: FieldOptions = {}): PropertyDecorator {
  return applyDecorators(
    documented(options, { type: String, maxLength }),
    presence(options),
    IsString(),
    ...(options.optional ? [] : [IsNotEmpty()]),
    MaxLength(maxLength),
  );
}

export function EnumField(values: readonly string[], options: FieldOptions = {}): PropertyDecorator {
  return applyDecorators(
    documented(options, { type: String, enum: [...values] }),
    presence(options),
    IsIn(values, { message: ({ property }) => `${property} must be one of: ${values.join(', ')}` }),
  );
}

export function UuidField(options: FieldOptions = {}): PropertyDecorator {
  return applyDecorators(documented(options, { type: String, format: 'uuid' }), presence(options), IsUUID());
}

export function ScaleField(scale: { readonly min: number; readonly max: number }, options: FieldOptions = {}): PropertyDecorator {
  return applyDecorators(
    documented(options, { type: 'integer', minimum: scale.min, maximum: scale.max }),
    presence(options),
    IsInt(),
    Min(scale.min),
    Max(scale.max),
  );
}

export function NestedField(type: () => ClassType<unknown>, options: FieldOptions = {}): PropertyDecorator {
  // @nestjs/swagger recognises a lazy type only by its function name, `type`: the property name gives it that name.
  return applyDecorators(documented(options, { type: () => type() }), presence(options), ValidateNested(), Type(type));
}
