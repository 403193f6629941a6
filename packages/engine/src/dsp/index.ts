export * from './compressor';
export * from './limiter';
export * from './reverb-ir';
export * from './dynamics-protocol';
