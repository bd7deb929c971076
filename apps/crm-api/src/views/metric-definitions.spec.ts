import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { METRIC_DEFINITIONS } from './metric-definitions';

const doc = readFileSync(join(__dirname, '../../../../docs/metrics.md'), 'utf8').replace(/\s+/g, ' ');

describe('one written definition per figure', () => {
  it.each(Object.entries(METRIC_DEFINITIONS))('docs/metrics.md carries the %s definition the OpenAPI description gives', (_name, text) => {
    expect(doc).toContain(text.replace(/\s+/g, ' '));
  });
});
