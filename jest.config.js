// Two projects: the frontend (jsdom, create-plugin's config) and the backend with its
// Grafana-side harness (node, real servers on loopback).
module.exports = {
  projects: ['<rootDir>/jest.frontend.config.js', '<rootDir>/jest.backend.config.js'],
};
