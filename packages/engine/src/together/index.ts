export * from './clock-sync';
export * from './shared-transport';
export * from './drift';
