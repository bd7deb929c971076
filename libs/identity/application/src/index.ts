export * from './identity-settings';
