// Browser-safe public API of the engine. Node-only pieces live in ./node.
export * from './model';
export * from './graph';
export * from './loudness';
export * from './together';
export * from './audio';
export * from './dsp';
export * from './offline/stem-source';
export * from './live';
/** A seeded PRNG: reproducible test material and fuzz runs that name the seed replaying them. */
export { mulberry32 } from './util/prng';
