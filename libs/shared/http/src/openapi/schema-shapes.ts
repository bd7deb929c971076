import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';

/**
 * Shapes class-validator cannot state but the API has: a DTO that takes one of
 * several forms (party, assignee, recurrence end) and a body whose sibling
 * field picks the shape of another (survey answers by surveyType). The edge
 * validators register them here; the document is rewritten from the same
 * declaration, so what is published is what is enforced.
 */

type Forms = Readonly<Record<string, readonly string[]>>;
type ClassThunk = () => { readonly name: string };

const oneOfForms: { readonly type: ClassThunk; readonly forms: Forms }[] = [];
const discriminated: {
  readonly type: ClassThunk;
  readonly by: string;
  readonly field: string;
  readonly shapes: Readonly<Record<string, ClassThunk>>;
}[] = [];

export function documentOneOfForms(type: ClassThunk, forms: Forms): void {
  oneOfForms.push({ type, forms });
}

/** `field` takes the shape that `by` names: published as a oneOf over `by` with a discriminator. */
export function documentDiscriminated(type: ClassThunk, by: string, field: string, shapes: Readonly<Record<string, ClassThunk>>): void {
  discriminated.push({ type, by, field, shapes });
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

export function applySchemaShapes(schemas: Record<string, SchemaObject>): void {
  for (const { type, forms } of oneOfForms) {
    const name = type().name;
    const original = schemas[name];
    if (!original?.properties || original.oneOf) continue;
    const formKeys = new Set(Object.entries(forms).flatMap(([key, extras]) => [key, ...extras]));
    const common = Object.keys(original.properties).filter((key) => !formKeys.has(key));
    schemas[name] = {
      description: original.description,
      oneOf: Object.entries(forms).map(([key, extras]) => ({
        type: 'object',
        required: [...(original.required ?? []).filter((r) => common.includes(r)), key],
        additionalProperties: false,
        properties: Object.fromEntries([...common, key, ...extras].map((p) => [p, original.properties?.[p] ?? {}])),
      })),
    };
  }
  for (const { type, by, field, shapes } of discriminated) {
    const name = type().name;
    const original = schemas[name];
    if (!original?.properties || original.oneOf) continue;
    const mapping: Record<string, string> = {};
    const variants = Object.entries(shapes).map(([value, shape]) => {
      const variant = `${name}_${value}`;
      mapping[value] = `#/components/schemas/${variant}`;
      schemas[variant] = {
        type: 'object',
        required: [...new Set([...(original.required ?? []), by, field])],
        additionalProperties: false,
        properties: { ...original.properties, [by]: { type: 'string', enum: [value] }, [field]: ref(shape().name) },
      };
      return ref(variant);
    });
    schemas[name] = { description: original.description, oneOf: variants, discriminator: { propertyName: by, mapping } };
  }
}
