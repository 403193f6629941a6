// Node-only API of the engine (Web Audio from node-web-audio-api).
export * from './audio-context';
export * from './tone';
export * from '../demo/render-demo';
export * from './worklets';
