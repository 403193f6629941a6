import { describe, expect, it } from 'vitest';
import { inFileNameOrder, naturalCompare } from './channel-order';

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
