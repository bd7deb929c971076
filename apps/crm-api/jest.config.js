// The e2e specs start real servers, some of them several times in one test: under the whole suite's parallel
// load on two cores that has taken longer than Jest's default 5 s (bootstrap-key, service-feedback-survey), so
// this project allows 20 s a test. A test that hangs still fails.
module.exports = require('../../jest.preset.js')(__dirname, {
  setupFilesAfterEnv: ['<rootDir>/src/testing/contract-setup.ts'],
  testTimeout: 20_000,
});
