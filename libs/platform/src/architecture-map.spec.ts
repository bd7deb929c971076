import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ALL_PROJECTIONS } from './projection-registry';

const ROOT = resolve(__dirname, '../../..');
const map = readFileSync(join(ROOT, 'ARCHITECTURE.md'), 'utf8');
const named = (name: string) => map.includes(`\`${name}\``);
const folders = (dir: string) =>
  existsSync(join(ROOT, dir))
    ? readdirSync(join(ROOT, dir), { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => entry.name)
    : [];

describe('ARCHITECTURE.md keeps the map true', () => {
  it('names every projection the API serves', () => {
    expect(ALL_PROJECTIONS.map((projection) => projection.name).filter((name) => !named(name))).toEqual([]);
  });

  it('names every aggregate (a folder with a decider) of every context', () => {
    const aggregates = folders('libs').flatMap((context) =>
      folders(`libs/${context}/domain/src`).filter((folder) =>
        readdirSync(join(ROOT, 'libs', context, 'domain/src', folder)).some((file) => file.endsWith('.decider.ts')),
      ),
    );
    expect(aggregates.length).toBeGreaterThan(10);
    expect(aggregates.filter((aggregate) => !named(aggregate))).toEqual([]);
  });

  it('names every app, library and projections folder', () => {
    const projects = [
      ...folders('apps').map((app) => `apps/${app}`),
      ...folders('projections').map((folder) => `projections/${folder}`),
      ...folders('libs').flatMap((lib) =>
        existsSync(join(ROOT, 'libs', lib, 'src')) ? [`libs/${lib}`] : folders(`libs/${lib}`).map((part) => `libs/${lib}/${part}`),
      ),
    ];
    // Named as is, inside a brace list (`libs/event-store/{sqlite,postgres}`), or as a bounded context
    // (`libs/<context>/domain` plus a row of the contexts table).
    const mentioned = (path: string) => {
      const [top, group, part] = path.split('/') as [string, string, string | undefined];
      if (named(path) || part === undefined) return named(path);
      const braces = new RegExp(`\`${top}/${group}/\\{[^}\`]*\\b${part}\\b[^}\`]*\\}\``).test(map);
      const context = map.includes(`\`${top}/<context>/${part}\``) && map.includes(`\n| ${group} |`);
      return braces || context;
    };
    expect(projects.filter((path) => !mentioned(path))).toEqual([]);
  });
});
