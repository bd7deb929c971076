import { Type } from 'class-transformer';
import { getMetadataStorage, IsInt, IsString, MaxLength, ValidateNested } from 'class-validator';
import { createValidationPipe, memoizeValidationMetadata, refusedFields } from './validation';
import { CommandRequestDto } from './command-request.dto';
import { TextField } from './fields/fields';

class Base {
  @IsString()
  name!: string;
}

class Derived extends Base {
  @IsInt()
  count!: number;
}

const rulesOf = (target: new () => object) => getMetadataStorage().getTargetValidationMetadatas(target, '', false, false, undefined);
const propertiesOf = (target: new () => object) => [...new Set(rulesOf(target).map((rule) => rule.propertyName))].sort();

describe('validation rules kept per class', () => {
  beforeAll(() => memoizeValidationMetadata());

  it('works out a class’s rules (its own and inherited) once, not on every validation', () => {
    const first = rulesOf(Derived);
    expect(rulesOf(Derived)).toBe(first);
    expect(getMetadataStorage().groupByPropertyName(first)).toBe(getMetadataStorage().groupByPropertyName(first));
    expect(propertiesOf(Derived)).toEqual(['count', 'name']);
  });

  it('sees a rule added later, on the class or on a class it inherits from', async () => {
    expect(await refusedFields(Derived, { name: 'x', count: 1 })).toEqual([]);
    MaxLength(3)(Base.prototype, 'name');
    IsString()(Derived.prototype, 'note');
    expect(propertiesOf(Derived)).toEqual(['count', 'name', 'note']);
    expect(await refusedFields(Derived, { name: 'long name', count: 1, note: 'n' })).toEqual(['name']);
    expect(await refusedFields(Derived, { name: 'abc', count: 'one', note: 2, extra: true })).toEqual(['count', 'extra', 'note']);
  });

  it('keeps the options apart: groups and `always` give their own answers', () => {
    const storage = getMetadataStorage();
    const plain = storage.getTargetValidationMetadatas(Base, '', false, false, undefined);
    const grouped = storage.getTargetValidationMetadatas(Base, '', false, false, ['admin']);
    expect(grouped).not.toBe(plain);
    expect(grouped).toEqual([]);
    expect(plain.length).toBeGreaterThan(0);
  });
});

class Lead {
  @IsString()
  fullName!: string;

  @IsInt()
  score!: number;
}

describe('a body the parser found faults in', () => {
  it('is refused naming those and every field the DTO refuses, at once', async () => {
    const { parseJsonBody } = await import('./edge/json-body');
    expect(await refusedFields(Lead, parseJsonBody('{"fullName":"a\\u0000","score":"x"}'))).toEqual(['fullName', 'score']);
    expect(await refusedFields(Lead, parseJsonBody('{"fullName":"a","fullName":"b","score":"x","extra":"\\ud800"}'))).toEqual([
      'extra',
      'fullName',
      'score',
    ]);
    expect(await refusedFields(Lead, parseJsonBody('{"fullName":"مریم","score":3}'))).toEqual([]);
  });
});

describe('null where an object or a value goes', () => {
  class Revoke extends CommandRequestDto {
    @TextField(200, { optional: true })
    reason?: string;
  }

  it('refuses a body of JSON null (before, it was taken for {} and the command ran), and a null commandId', async () => {
    expect(await refusedFields(Revoke, null)).toEqual(['body']);
    expect(await refusedFields(Revoke, { commandId: null })).toEqual(['commandId']);
    expect(await refusedFields(Revoke, { reason: null })).toEqual(['reason']);
    expect(await refusedFields(Revoke, {})).toEqual([]);
    expect(await refusedFields(Revoke, undefined)).toEqual([]);
  });

  it('refuses a list, a string, a number or a boolean as a body as it refuses null: the body, not its items or fields', async () => {
    for (const body of [[1, 2], [], 'str', 7, true])
      expect({ body, refused: await refusedFields(Revoke, body) }).toEqual({ body, refused: ['body'] });
  });
});

class Nested {
  @IsString()
  note!: string;
}

class Query {
  @IsString()
  fullName!: string;
}

class Outer {
  @IsString()
  name!: string;

  @ValidateNested()
  @Type(() => Nested)
  inner!: Nested;
}

describe('a field named as a member every object has (constructor, toString, …)', () => {
  const names = [
    'constructor',
    'prototype',
    'toString',
    'valueOf',
    'hasOwnProperty',
    'isPrototypeOf',
    'propertyIsEnumerable',
    'toLocaleString',
  ];

  it.each(names)('is refused as unknown, in a body and a query alike: %s', async (name) => {
    const body = { name: 'x', inner: { note: 'n' }, [name]: '1' };
    expect(await refusedFields(Outer, body)).toEqual([name]);
    expect(await refusedFields(Outer, { name: 'x', inner: { note: 'n', [name]: 1 } })).toEqual([`inner.${name}`]);
    expect(await refusedFields(Lead, { fullName: 'x', score: 1, [name]: '1', other: '2' })).toEqual([name, 'other'].sort());
    // A query string's parameters, as the parser hands them over: an object without a prototype, every value text.
    const query = Object.assign(Object.create(null) as Record<string, string>, { fullName: 'x', [name]: '1' });
    await expect(createValidationPipe().transform(query, { type: 'query', metatype: Query })).rejects.toMatchObject({
      errors: [{ field: name }],
    });
  });
});
