export * from './mix-graph';
export * from './transport';
export * from './render';
