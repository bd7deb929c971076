import { recordValidatedCount } from './openapi-contract';

// How many replies each e2e file checked against the OpenAPI document, for the suite's summary line.
afterAll(() => recordValidatedCount(expect.getState().testPath ?? 'unknown'));
