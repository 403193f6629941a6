// Browser-safe audio utilities (no Node or Web Audio dependencies).
export * from './wav';
export * from './peaks';
export * from './flac';
export * from './pcm-layout';
