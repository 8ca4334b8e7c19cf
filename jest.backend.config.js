// Backend unit tests (pkg/**) and harness/integration tests (tests/**) run in Node.
module.exports = {
  displayName: 'backend',
  testEnvironment: 'node',
  roots: ['<rootDir>/pkg', '<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
};
