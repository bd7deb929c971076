import config, { domainPurity } from '../../../eslint.config.mjs';

export default [...config, { files: ['**/*.ts'], ignores: ['**/*.spec.ts'], rules: domainPurity }];
