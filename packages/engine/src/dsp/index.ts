export * from './compressor';
export * from './limiter';
export * from './reverb-ir';
export * from './dynamics-protocol';
export * from './delay';
export * from './biquad';
export * from './resampler';
export * from './sine-fit';
