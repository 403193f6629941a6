export * from './mix-graph';
export * from './transport';
export * from './render';
export * from './master-to-target';
export { loadDynamicsWorklet, hasDynamicsWorklet } from './dynamics-node';
export { delaySeconds } from './fx-returns';
export { butterworthQs } from './nodes';
