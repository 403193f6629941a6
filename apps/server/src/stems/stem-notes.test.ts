import { describe, expect, it } from 'vitest';
import { stemNotes } from './stem-notes';

const bass = { name: 'Bass', sampleRate: 48000 };
const drums = { name: 'Drums', sampleRate: 48000 };

describe('stemNotes: what an accepted upload should still tell its uploader', () => {
  it('says nothing about an ordinary stem', () => {
    expect(stemNotes({ name: 'Keys', sampleRate: 48000, durationSec: 64 }, [bass, drums])).toEqual([]);
    // The first stem sets the session's rate: nothing to compare with.
    expect(stemNotes({ name: 'Keys', sampleRate: 44100, durationSec: 64 }, [])).toEqual([]);
  });

  it('notes a 10 ms stem in milliseconds', () => {
    expect(stemNotes({ name: 'Click', sampleRate: 48000, durationSec: 0.01 }, [bass])).toEqual([
      'this file is only 10 ms long: check that the whole song was exported',
    ]);
  });

  it('notes a stem at another rate than most of the session', () => {
    const notes = stemNotes({ name: 'Vox', sampleRate: 44100, durationSec: 60 }, [bass, drums, { name: 'Old', sampleRate: 44100 }]);
    expect(notes).toEqual(["this file is at 44.1 kHz, the session at 48 kHz: it plays converted to the session's rate"]);
  });

  it('notes a name another channel already has, whatever the case and spaces', () => {
    expect(stemNotes({ name: 'bass ', sampleRate: 48000, durationSec: 60 }, [bass, drums])).toEqual([
      'another channel is already called "bass": rename one of them to tell them apart',
    ]);
  });
});
