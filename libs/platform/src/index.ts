export * from './app-config';
export * from './operations-config';
export * from './open-event-store';
export * from './open-read-store';
export * from './projection-registry';
export * from './security-config';
export * from './data-directory';
export * from './server-secret';
