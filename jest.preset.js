// One Jest setup for every project: the SWC transform of tools/swc-options.js
// and the tsconfig path aliases mapped to their sources.
const path = require('node:path');
const swcOptions = require('./tools/swc-options');
const { compilerOptions } = require('./tsconfig.base.json');

const moduleNameMapper = {};
for (const [alias, [target]] of Object.entries(compilerOptions.paths)) {
  moduleNameMapper[`^${alias.replace(/[/.]/g, '\\$&')}$`] = path.join(__dirname, target);
}

module.exports = function jestConfig(projectDir, overrides = {}) {
  const displayName = path.relative(__dirname, projectDir);
  return {
    displayName,
    reporters: ['default', [path.join(__dirname, 'tools/jest-results-reporter.js'), { name: displayName }]],
    rootDir: projectDir,
    testEnvironment: 'node',
    testMatch: ['<rootDir>/**/*.spec.ts'],
    transform: { '^.+\\.[tj]s$': ['@swc/jest', { ...swcOptions, sourceMaps: 'inline', swcrc: false }] },
    // content-disposition (under @fastify/static, for the OpenAPI UI) and jose ship ESM only; Jest on Node 20 cannot require them untransformed.
    transformIgnorePatterns: ['/node_modules/(?!(?:@fastify/static/node_modules/)?content-disposition/|jose/)'],
    moduleFileExtensions: ['ts', 'js', 'json'],
    moduleNameMapper,
    // Jest's default on two cores is one worker, in band. The specs mostly wait (servers, stores, timers), so two
    // workers per project halve the long projects' time even beside another project (Nx runs two at once):
    // crm-api's specs alone took 447 s in band and 216 s with two workers.
    maxWorkers: 2,
    ...overrides,
  };
};
