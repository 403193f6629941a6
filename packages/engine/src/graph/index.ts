export * from './mix-graph';
export * from './transport';
export * from './render';
export { loadDynamicsWorklet, hasDynamicsWorklet } from './dynamics-node';
export { delaySeconds } from './fx-returns';
export { butterworthQs } from './nodes';
