/** Thrown for input the meter cannot measure meaningfully (NaN/Inf samples, no channels, bad sample rate…). */
export class LoudnessInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LoudnessInputError';
  }
}
