import nx from '@nx/eslint-plugin';

// Tags keep the arrows pointing one way (DESIGN.md "Layout"): domain code sees
// only the shared kernel; adapters, application and projections see domain and
// kernel; only apps may pull everything together.
const depConstraints = [
  { sourceTag: 'type:kernel', onlyDependOnLibsWithTags: ['type:kernel'] },
  { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:kernel'] },
  { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:kernel', 'type:domain'] },
  { sourceTag: 'type:http', onlyDependOnLibsWithTags: ['type:kernel'] },
  { sourceTag: 'type:adapter', onlyDependOnLibsWithTags: ['type:kernel'] },
  { sourceTag: 'type:application', onlyDependOnLibsWithTags: ['type:domain', 'type:kernel', 'type:http'] },
  // A view may combine read models of other projections (campaign performance: marketing's and the pipeline's); Nx refuses cycles.
  { sourceTag: 'type:projection', onlyDependOnLibsWithTags: ['type:domain', 'type:kernel', 'type:projection'] },
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['*'] },
];

// Specs may also use the shared test helpers (given/when/then, contract suites)
// and real adapters (integration specs run a projection on a real SQLite file).
const specConstraints = depConstraints.map((c) =>
  c.onlyDependOnLibsWithTags.includes('*')
    ? c
    : { ...c, onlyDependOnLibsWithTags: [...new Set([...c.onlyDependOnLibsWithTags, 'type:testing', 'type:adapter'])] },
);

// Domain code is pure: no framework, no database, no clock, no randomness. Applied here to libs/*/domain, and by
// each domain library's own eslint.config.mjs to its files (a project's lint target resolves `files` from its folder).
export const domainPurity = {
  '@typescript-eslint/no-explicit-any': 'error',
  'no-restricted-imports': [
    'error',
    { patterns: ['@nestjs/*', 'pg', 'better-sqlite3', 'mongodb', '@eventstore/*', 'node:crypto', 'crypto'] },
  ],
  'no-restricted-syntax': [
    'error',
    { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Time comes in on the command.' },
    { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'Time comes in on the command.' },
    { selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']", message: 'Ids come in on the command.' },
  ],
};

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  { ignores: ['**/dist', '**/node_modules', '**/jest.config.js', 'jest.preset.js', 'tools/**/*.js'] },
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          allow: [],
          depConstraints,
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.spec.ts'],
    rules: {
      '@nx/enforce-module-boundaries': ['error', { enforceBuildableLibDependency: true, allow: [], depConstraints: specConstraints }],
      // A failed `!` in a spec fails the test loudly, which is what a spec wants.
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  { files: ['libs/*/domain/**/*.ts'], ignores: ['**/*.spec.ts'], rules: domainPurity },
];
