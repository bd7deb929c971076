module.exports = require('../../jest.preset.js')(__dirname, { setupFilesAfterEnv: ['<rootDir>/src/testing/contract-setup.ts'] });
