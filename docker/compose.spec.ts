import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ErrorObject } from 'ajv';
import draft07 from 'ajv/dist/refs/json-schema-draft-07.json';
import { parse } from 'yaml';

// The official Compose Specification schema, vendored (see schema/NOTICE.md): what `docker compose config` checks.
const schema = JSON.parse(readFileSync(join(__dirname, 'schema/compose-spec.json'), 'utf8')) as object;
const ajv = new Ajv({ allErrors: true, strict: false });
// The schema names draft-07 by its https address; Ajv knows the same meta-schema under its http one.
ajv.addMetaSchema({ ...draft07, $id: 'https://json-schema.org/draft-07/schema' });
const validate = ajv.compile(schema);

interface Service {
  readonly image?: string;
  readonly build?: unknown;
  readonly command?: readonly string[];
  readonly restart?: string;
  readonly pull_policy?: string;
  readonly init?: boolean;
  readonly stop_grace_period?: string;
  readonly ports?: readonly string[];
  readonly environment?: Record<string, string | number>;
  readonly healthcheck?: { readonly test: readonly string[] };
  readonly depends_on?: Record<string, { condition: string }>;
  readonly volumes?: readonly string[];
}
interface ComposeFile {
  readonly services: Record<string, Service>;
}

const RELEASE = /^[\w./-]+:\d+\.\d+\.\d+$/;

/** YAML as Compose reads it: merge keys (`<<: *anchor`) resolved. */
const load = (file: string): unknown => parse(readFileSync(join(__dirname, file), 'utf8'), { merge: true });
const errorsOf = (model: unknown): ErrorObject[] => (validate(model) ? [] : [...(validate.errors ?? [])]);

describe('compose files against the Compose Specification schema', () => {
  it.each(['compose.yaml', 'compose.secure.yaml'])('%s is a valid Compose file', (file) => {
    expect(errorsOf(load(file))).toEqual([]);
  });

  it('is a checker that can fail: it names what is wrong with a broken file', () => {
    const broken = {
      services: { api: { image: 'crm-core:local', restart_policy: 'always', ports: [{ published: 'x' }], healthcheck: 'curl' } },
    };
    const paths = errorsOf(broken).map((error) => `${error.instancePath} ${error.message ?? ''}`);
    expect(paths).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\/services\/api must NOT have additional properties/),
        expect.stringMatching(/^\/services\/api\/healthcheck must be object/),
      ]),
    );
  });
});

describe('the production topology (compose.yaml)', () => {
  const { services } = load('compose.yaml') as ComposeFile;
  const entries = Object.entries(services);
  const app = (name: string) => services[name] as Service;

  it('pins every image to a release', () => {
    for (const [name, service] of entries) {
      if (service.image === app('crm-api').image) continue; // our own image, built here
      expect({ name, image: service.image }).toEqual({ name, image: expect.stringMatching(RELEASE) });
    }
    expect(app('kurrentdb').image).toMatch(/^kurrentplatform\/kurrentdb:26\./);
  });

  it('publishes ports on 127.0.0.1 only, and gives every service a restart policy and a health check', () => {
    for (const [name, service] of entries) {
      for (const port of service.ports ?? []) expect({ name, port }).toEqual({ name, port: expect.stringMatching(/^127\.0\.0\.1:/) });
      expect({ name, restart: service.restart, healthcheck: Boolean(service.healthcheck?.test.length) }).toEqual({
        name,
        restart: 'unless-stopped',
        healthcheck: true,
      });
    }
  });

  it('builds one image for the API and the projector, which only differ in their command', () => {
    expect(app('crm-api').build).toBeDefined();
    expect(app('crm-projector').build).toBeUndefined();
    expect(app('crm-projector').image).toBe(app('crm-api').image);
    expect(app('crm-projector').pull_policy).toBe('never');
    expect(app('crm-projector').command).toEqual(['node', 'dist/apps/crm-projector/src/main.js']);
    expect(app('crm-api').environment?.['CRM_PROJECTIONS']).toBe('off');
    // One data folder, so one key-encryption key and server secret for both (a process with another KEK is refused).
    expect(app('crm-projector').volumes).toEqual(app('crm-api').volumes);
  });

  it('initiates the MongoDB replica set under the host name the API and projector connect to', () => {
    const check = app('mongodb').healthcheck?.test.join(' ') ?? '';
    const member = /host: '([^']+)'/.exec(check)?.[1];
    expect(member).toBe('mongodb:27017');
    for (const name of ['crm-api', 'crm-projector']) {
      const url = new URL(String(app(name).environment?.['MONGODB_URL']).replace(/^\$\{MONGODB_URL:-(.*)\}$/, '$1'));
      expect({ name, host: url.host, replicaSet: url.searchParams.get('replicaSet') }).toEqual({ name, host: member, replicaSet: 'rs0' });
      expect(app(name).depends_on).toMatchObject({
        mongodb: { condition: 'service_healthy' },
        kurrentdb: { condition: 'service_healthy' },
      });
    }
    // Healthy only once it is the writable primary: before that, a transaction would fail.
    expect(check).toContain('isWritablePrimary');
  });

  it("reaches KurrentDB with the maintained client's scheme, and lets SIGTERM drain before Docker kills", () => {
    for (const name of ['crm-api', 'crm-projector']) {
      expect(app(name).environment?.['EVENTSTORE_URL']).toMatch(/^\$\{EVENTSTORE_URL:-kurrentdb:\/\/kurrentdb:2113\?tls=false\}$/);
      expect(app(name).init).toBe(true);
      const grace = Number(/\$\{CRM_SHUTDOWN_GRACE_MS:-(\d+)\}/.exec(String(app(name).environment?.['CRM_SHUTDOWN_GRACE_MS']))?.[1]);
      expect(Number(/^(\d+)s$/.exec(app(name).stop_grace_period ?? '')?.[1]) * 1000).toBeGreaterThan(grace);
    }
  });
});

describe('the secure variant (compose.secure.yaml)', () => {
  const { services } = load('compose.secure.yaml') as ComposeFile;
  const text = readFileSync(join(__dirname, 'compose.secure.yaml'), 'utf8');

  it('pins the images it adds', () => {
    const added = Object.entries(services).filter(([, service]) => service.image !== undefined);
    expect(added.map(([name]) => name).sort()).toEqual(['kurrentdb-certificates', 'mongodb-keyfile']);
    for (const [name, service] of added) expect({ name, image: service.image }).toEqual({ name, image: expect.stringMatching(RELEASE) });
  });

  it('takes every secret from the environment, required, never a default', () => {
    const secrets = [...text.matchAll(/\$\{(\w*PASSWORD\w*)([^}]*)\}/g)];
    expect(secrets.length).toBeGreaterThan(0);
    for (const [expression, , rest] of secrets) expect({ expression, rest }).toEqual({ expression, rest: expect.stringMatching(/^:\?/) });
  });

  it('turns on TLS and authentication for KurrentDB, and authentication for MongoDB', () => {
    expect(services['kurrentdb']?.environment).toMatchObject({ KURRENTDB_INSECURE: 'false' });
    expect(services['kurrentdb']?.healthcheck?.test.join(' ')).toContain('https://localhost:2113');
    expect(services['mongodb']?.command).toEqual(expect.arrayContaining(['--keyFile']));
    for (const name of ['crm-api', 'crm-projector']) {
      const env = services[name]?.environment ?? {};
      expect(String(env['EVENTSTORE_URL'])).toMatch(
        /^kurrentdb:\/\/admin:\$\{KURRENTDB_ADMIN_PASSWORD:\?[^}]*\}@kurrentdb:2113\?tls=true&tlsCAFile=/,
      );
      expect(String(env['MONGODB_URL'])).toMatch(
        /^mongodb:\/\/crm:\$\{CRM_MONGO_PASSWORD:\?[^}]*\}@mongodb:27017\/crm\?replicaSet=rs0&authSource=admin$/,
      );
    }
  });
});

describe('the image (Dockerfile)', () => {
  const dockerfile = readFileSync(join(__dirname, 'Dockerfile'), 'utf8');
  const instructions = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'));

  it('is built on a pinned Node.js 24 LTS release', () => {
    expect(dockerfile).toMatch(/^ARG NODE_VERSION=24\.\d+\.\d+$/m);
    const bases = instructions.filter((line) => line.startsWith('FROM '));
    expect(bases).toEqual([
      expect.stringMatching(/^FROM node:\$\{NODE_VERSION\}-bookworm AS build$/),
      'FROM node:${NODE_VERSION}-bookworm-slim',
    ]);
  });

  it('runs as the unprivileged node user, with a data folder that user owns, a health check, and node as the signalled process', () => {
    const final = instructions.slice(instructions.lastIndexOf('FROM node:${NODE_VERSION}-bookworm-slim'));
    expect(final).toEqual(
      expect.arrayContaining([
        'USER node',
        expect.stringMatching(/^RUN mkdir -p \/app\/data && chown node:node \/app\/data$/),
        expect.stringMatching(/CRM_DATA_DIR=\/app\/data/),
        'VOLUME ["/app/data"]',
        expect.stringMatching(/^HEALTHCHECK .* CMD \["node", "healthcheck\.js"\]$/),
        'CMD ["node", "dist/apps/crm-api/src/main.js"]',
      ]),
    );
    // Nothing after USER switches back to root.
    expect(final.slice(final.indexOf('USER node') + 1).some((line) => line.startsWith('USER '))).toBe(false);
  });
});
