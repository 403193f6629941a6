import { describe, expect, it } from 'vitest';
import { channelColor, inConsoleOrder, inFileNameOrder, naturalCompare } from './channel-order';

describe('file-name order of channels', () => {
  it('compares numbers inside names as numbers, as a file browser does', () => {
    const names = ['10 Bass', '2 Snare', '1 Kick', 'Vox 12', 'Vox 2', 'vox 3'];
    expect([...names].sort(naturalCompare)).toEqual(['1 Kick', '2 Snare', '10 Bass', 'Vox 2', 'vox 3', 'Vox 12']);
  });

  it('sorts channels (not the stored upload order) and breaks name ties by id, so every browser agrees', () => {
    const uploadOrder = [
      { id: 'c', name: 'Track 11' },
      { id: 'b', name: 'Track 2' },
      { id: 'z', name: 'Track 1' },
      { id: 'a', name: 'Track 1' },
    ];
    expect(inFileNameOrder(uploadOrder).map((c) => c.id)).toEqual(['a', 'z', 'b', 'c']);
    expect(uploadOrder[0].id).toBe('c'); // the input is not reordered in place
  });
});

describe('console order and colour', () => {
  it('shows moved channels by their shared position, the rest after them in file-name order', () => {
    const channels = [
      { id: 'a', name: 'Track 10', position: null, color: null },
      { id: 'b', name: 'Track 2', position: 'V', color: null },
      { id: 'c', name: 'Track 1', position: null, color: null },
      { id: 'd', name: 'Track 3', position: 'F', color: 'teal' },
    ];
    expect(inConsoleOrder(channels).map((c) => c.name)).toEqual(['Track 3', 'Track 2', 'Track 1', 'Track 10']);
    expect(channelColor(channels[3], '#888')).toBe('#3dd6d0');
    expect(channelColor(channels[0], '#888')).toBe('#888');
  });
});
