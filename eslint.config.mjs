import { defineConfig } from 'eslint/config';
import globals from 'globals';
import baseConfig from './.config/eslint.config.mjs';

/** Node's built-in modules, which the code shared with the frontend may not import. */
const NODE_BUILTINS = [
  'fs',
  'path',
  'os',
  'crypto',
  'net',
  'tls',
  'http',
  'https',
  'child_process',
  'zlib',
  'util',
  'stream',
  'events',
  'buffer',
  'worker_threads',
];

export default defineConfig([
  {
    ignores: [
      '**/logs',
      '**/*.log',
      '**/npm-debug.log*',
      '**/yarn-debug.log*',
      '**/yarn-error.log*',
      '**/.pnpm-debug.log*',
      '**/node_modules/',
      '.yarn/cache',
      '.yarn/unplugged',
      '.yarn/build-state.yml',
      '.yarn/install-state.gz',
      '**/.pnp.*',
      '**/pids',
      '**/*.pid',
      '**/*.seed',
      '**/*.pid.lock',
      '**/lib-cov',
      '**/coverage',
      '**/dist/',
      '**/artifacts/',
      '**/work/',
      '**/ci/',
      'test-results/',
      'playwright-report/',
      'blob-report/',
      'playwright/.cache/',
      'playwright/.auth/',
      '**/.idea',
      '**/.eslintcache',
      // Build outputs and vendored programs of the tests (Go, Ruby, Python, Java).
      'tests/gohost/bin/',
      'tests/systems/postgres/river/bin/',
      '.venv*/',
    ],
  },
  ...baseConfig,
  {
    // A type-only import beside a value import of the same module is TypeScript's idiom.
    rules: { 'no-duplicate-imports': ['error', { allowSeparateTypeImports: true }] },
  },
  {
    // Node code: the backend, its tests, benchmarks and build scripts.
    files: ['pkg/**/*.ts', 'tests/**/*.{ts,js,mjs}', 'bench/**/*.{ts,mjs}', 'scripts/**/*.mjs'],
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      'no-unused-vars': 'off',
    },
  },
  {
    // The backend speaks go-plugin: its stdout carries the handshake line, and logs go
    // through the protocol logger (stderr, hclog JSON), never the console.
    files: ['pkg/**/*.ts'],
    ignores: ['pkg/**/*.test.ts'],
    rules: {
      'no-console': ['error', {}],
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='process'][property.name='stdout']",
          message: 'stdout is the go-plugin handshake channel',
        },
      ],
    },
  },
  {
    // Compiled into the frontend too: pure data and types, no Node or client libraries.
    files: ['pkg/query/model.ts', 'pkg/model/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: NODE_BUILTINS.flatMap((m) => [m, `node:${m}`]),
          patterns: ['ioredis', 'amqplib', 'pg', 'nats', 'kafkajs', '@grpc/*', 'apache-arrow', 'protobufjs'],
        },
      ],
    },
  },
]);
