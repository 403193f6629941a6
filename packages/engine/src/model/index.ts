export * from './params';
export * from './mix-model';
export { WriterRegisterMap } from './writer-register-map';
export * from './diff';
export { MixHistory, describeParamKeys, UNDO_CAPTURE_MS, type MixHistorySnapshot } from './mix-history';
export * from './mix-shape';
export * from './channel-order';
export * from './automation';
export * from './automation-store';
