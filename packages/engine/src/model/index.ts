export * from './params';
export * from './mix-model';
export { WriterRegisterMap } from './writer-register-map';
export * from './diff';
