import { formatTraceparent, parseTraceparent } from './trace-context';

describe('W3C traceparent', () => {
  const valid = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

  it('reads the trace id, parent span id and flags, and writes them back unchanged', () => {
    const context = parseTraceparent(valid);
    expect(context).toEqual({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 });
    expect(formatTraceparent(context!)).toBe(valid);
  });

  it('accepts a later version with extra fields, as the specification asks of a version-00 reader', () => {
    expect(parseTraceparent(`01${valid.slice(2)}-what-comes-next`)?.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it.each([
    ['nothing', undefined],
    ['garbage', 'hello'],
    ['upper-case hex', valid.toUpperCase()],
    ['version ff', `ff${valid.slice(2)}`],
    ['version 00 with extra fields', `${valid}-x`],
    ['an all-zero trace id', '00-00000000000000000000000000000000-00f067aa0ba902b7-01'],
    ['an all-zero span id', '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01'],
    ['a short trace id', '00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01'],
  ])('refuses %s', (_, value) => {
    expect(parseTraceparent(value)).toBeUndefined();
  });
});
