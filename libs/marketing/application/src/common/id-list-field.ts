import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { Check, required, uuidProblem } from '@crm/shared/http';

/**
 * A non-empty array of UUIDs, at most `maxItems`. One message names the positions
 * of the bad items, so a list pasted from a spreadsheet is fixed in one pass.
 * Not in @crm/shared/http yet; a candidate to move there.
 */
export function IdListField(maxItems: number, options: { readonly description?: string } = {}): PropertyDecorator {
  return applyDecorators(
    ApiProperty({ type: String, format: 'uuid', isArray: true, minItems: 1, maxItems, description: options.description }),
    Check(
      'uuidList',
      required((value) => {
        if (!Array.isArray(value)) return 'must be an array of UUIDs';
        if (value.length === 0 || value.length > maxItems) return `must hold 1 to ${maxItems} UUIDs`;
        const bad = value.flatMap((item: unknown, index) => (uuidProblem(item, {}) === undefined ? [] : [index]));
        return bad.length === 0 ? undefined : `must hold only UUIDs; not at positions ${bad.join(', ')}`;
      }),
    ),
    // Stream ids are case-sensitive: one record must not be two members.
    Transform(({ value }: { value: unknown }) =>
      Array.isArray(value) ? value.map((item: unknown) => (typeof item === 'string' ? item.toLowerCase() : item)) : value,
    ),
  );
}
