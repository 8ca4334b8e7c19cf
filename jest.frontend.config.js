// Frontend tests: create-plugin's jest config (.config/, untouched) in jsdom, limited to src/.
// The module-load test (src/module-load.test.ts) reads dist/, so run `npm run build:frontend` first
// (`npm run test:frontend` does both).
process.env.TZ = 'UTC';

const base = require('./.config/jest.config');

module.exports = {
  ...base,
  displayName: 'frontend',
  rootDir: __dirname,
  testEnvironment: 'jsdom',
  roots: ['<rootDir>/src'],
  transform: {
    ...base.transform,
    // d3 and other ESM-only dependencies ship .mjs files: same SWC transform.
    '^.+\\.mjs$': base.transform['^.+\\.(t|j)sx?$'],
  },
};
