// Two projects: the frontend (jsdom, create-plugin's config) and the backend with its
// Grafana-side harness (node, real servers on loopback).
module.exports = {
  // A global option in jest 29 (ignored inside a project): hooks that start or stop real
  // brokers need more than the 5 s default.
  testTimeout: 60000,
  projects: ['<rootDir>/jest.frontend.config.js', '<rootDir>/jest.backend.config.js'],
};
