export * from './chunk-cache';
export * from './mix-protocol';
export { LiveMixCore } from './mix-core';
export { LiveChannels, createLiveStatus } from './live-channels';
export * from './window-plan';
export { StemRateConverter } from './stem-rate';
export { AUTOMATED_CHANNEL_PARAMS, AUTOMATION_GRID } from '../offline/channel';
export { AUTOMATED_FX_PARAMS, AUTOMATED_MASTER_PARAMS, AUTOMATED_RETURN_PARAMS } from '../offline/bus-automation';
