import { RequestValidationError } from '../problem-details';
import { bodyFaults, parseJsonBody, structuralFaults, textFaults } from './json-body';

/** What the parser refuses at once, or leaves for the validation pipe to name with the rest (`bodyFaults`). */
function refusal(raw: Buffer | string): { code: string; fields: string[] } {
  try {
    const faults = bodyFaults(parseJsonBody(raw));
    if (faults.length > 0) return { code: 'VALIDATION.FAILED', fields: faults.map((e) => e.field) };
  } catch (error) {
    if (!(error instanceof RequestValidationError)) throw error;
    return { code: error.code, fields: error.errors.map((e) => e.field) };
  }
  throw new Error('expected a refusal');
}

describe('parseJsonBody', () => {
  it('parses ordinary JSON, Persian text, emoji and escaped pairs', () => {
    expect(parseJsonBody(Buffer.from('{"name":"مریم\u200cاحمدی","tags":["👍"],"e":"\\ud83d\\ude00"}'))).toEqual({
      name: 'مریم\u200cاحمدی',
      tags: ['👍'],
      e: '😀',
    });
  });

  it('refuses bytes that are not UTF-8 instead of storing U+FFFD', () => {
    const raw = Buffer.concat([Buffer.from('{"name":"a'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    expect(refusal(raw)).toEqual({ code: 'REQUEST.INVALID_ENCODING', fields: ['body'] });
  });

  it('refuses a key given twice, naming it, even when one spelling is escaped', () => {
    expect(refusal('{"a":1,"b":{"c":1,"\\u0063":2}}')).toEqual({ code: 'VALIDATION.FAILED', fields: ['b.c'] });
    expect(refusal('{"fullName":"a","fullName":"b"}').fields).toEqual(['fullName']);
    expect(parseJsonBody('[{"a":1},{"a":2}]')).toEqual([{ a: 1 }, { a: 2 }]);
  });

  it('refuses nesting past the limit with a 400 (thousands of levels no longer overflow the stack)', () => {
    expect(refusal(`{"x":${'['.repeat(5000)}${']'.repeat(5000)}}`)).toEqual({
      code: 'VALIDATION.FAILED',
      fields: [`x${'.0'.repeat(31)}`], // the 33rd container: the object, then 31 arrays are allowed
    });
    expect(parseJsonBody(`${'['.repeat(32)}${']'.repeat(32)}`)).toBeDefined();
    expect(structuralFaults(`${'['.repeat(33)}${']'.repeat(33)}`)).toHaveLength(1);
  });

  it('refuses NUL, other control characters and lone surrogates anywhere, keys included', () => {
    expect(refusal('{"a":"x\\u0000y","b":["ok","\\ud800"],"c":{"\\u0007":"v"}}').fields.sort()).toEqual(['a', 'b.1', 'c."\\u0007"']);
    expect(parseJsonBody('{"note":"line one\\nline two\\ttabbed"}')).toEqual({ note: 'line one\nline two\ttabbed' });
  });

  it('refuses malformed JSON, an empty body and prototype keys as malformed', () => {
    expect(refusal('{"a": ').code).toBe('REQUEST.MALFORMED_JSON');
    expect(refusal('  ').code).toBe('REQUEST.MALFORMED_JSON');
    expect(refusal('{"__proto__":{"admin":true}}').code).toBe('REQUEST.MALFORMED_JSON');
  });
});

describe('textFaults', () => {
  it('names each bad string by its path and nothing else', () => {
    expect(textFaults({ a: 'fine', b: [{ c: 'bad\u0001' }] })).toEqual([
      { field: 'b.0.c', messages: ['must not contain control characters'] },
    ]);
    expect(textFaults(['\u0000'])).toEqual([{ field: '0', messages: ['must not contain control characters'] }]);
  });
});
