export { LoudnessInputError } from './errors';
export { designKWeighting, kWeightingGainDb, type Biquad, type KWeighting } from './kweighting';
export { designInterpolator, defaultOversampling, TruePeakDetector, type Interpolator } from './truepeak';
export {
  createLoudnessMeter,
  defaultChannelWeights,
  LoudnessMeterCore,
  type LoudnessMeter,
  type LoudnessMeterOptions,
  type LoudnessReading,
  type LoudnessStatus,
} from './meter';
export { measureLoudness, type LoudnessResult, type MeasureOptions } from './measure';
export { energyToLufs, ABSOLUTE_GATE_LUFS } from './gating';
export {
  DELIVERY_TARGETS,
  getDeliveryTarget,
  customTarget,
  platformPlaybackGain,
  type DeliveryTarget,
  type NormalizationPolicy,
  type PlatformId,
  type PlaybackGain,
} from './targets';
export {
  LOUDNESS_PROCESSOR_NAME,
  type LiveLoudnessReading,
  type LoudnessProcessorMessage,
} from './worklet/protocol';
export {
  DEFAULT_SPECTRUM_FFT_SIZE,
  measureSpectrum,
  THIRD_OCTAVE_NOMINAL,
  ThirdOctaveAnalyzer,
  type ThirdOctaveSpectrum,
} from './spectrum';
export {
  alignDecoded,
  checkCodecRoundTrip,
  codecDifference,
  findCodecDelay,
  MAX_CODEC_DELAY,
  truePeakDbtp,
  type CodecCheck,
} from './codec-check';
