import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecretFileOnce } from './secret-file';

describe('createSecretFileOnce (real files)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'crm-secret-file-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('makes the file once, owner-only, whole; a second call keeps the first and says so; no draft is left', () => {
    const file = join(dir, 'server-secret');
    expect(createSecretFileOnce(file, 'first\n')).toBe(true);
    expect(createSecretFileOnce(file, 'second\n')).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe('first\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['server-secret']);
  });

  it('fails where no file can be made, leaving nothing behind', () => {
    expect(() => createSecretFileOnce(join(dir, 'missing', 'kek'), 'x')).toThrow(/ENOENT/);
    expect(readdirSync(dir)).toEqual([]);
  });
});
