export * from './shared/party';
export { assertGivenBy, instantOf } from './shared/time';
export * from './sla';
export * from './complaint';
export * from './feedback';
export * from './survey';
export { SERVICE_PERSON_REFERENCES, SERVICE_PERSONAL_FIELDS } from './personal-data';
