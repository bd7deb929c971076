export * from './mongo-key-store';
