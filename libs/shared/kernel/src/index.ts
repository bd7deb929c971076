export * from './ids';
export * from './clock';
export * from './errors';
export * from './money';
export * from './persian-text';
export * from './phone';
export * from './email';
export * from './jalali';
