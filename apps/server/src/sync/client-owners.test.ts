import { afterEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { ClientOwners, TABLE_WRITER, bindingTable } from './client-owners.js';

describe('ClientOwners', () => {
  afterEach(() => vi.restoreAllMocks());

  it("binds a client in a new table without the server's doc changing its own client id", () => {
    const doc = new Y.Doc();
    const serverId = doc.clientID;
    doc.getMap('params').set('seeded', 1); // the server has written under its id before
    const printed = vi.spyOn(console, 'log');
    const owners = new ClientOwners(doc, { now: () => 1_000 * 3_600_000 });
    owners.record('user-1', [4242], [], 'bind');
    expect(owners.ownerOf(4242)).toBe('user-1');
    // The table is the item (TABLE_WRITER, n) every process would make.
    expect(Y.getState(doc.store, TABLE_WRITER)).toBeGreaterThan(0);
    expect(bindingTable(doc)?.get('4242')).toBe('user-1@1000');
    // Yjs treats a transaction that applied an update as remote and, when it also holds the doc's
    // own writes, takes a new client id (and says so on the console): the binding is the server's own write.
    expect(doc.clientID).toBe(serverId);
    expect(printed.mock.calls.flat().join(' ')).not.toContain('Changed the client-id');
    owners.record('user-2', [777], [], 'bind');
    expect(doc.clientID).toBe(serverId);
    expect([owners.ownerOf(777), owners.ownerOf(4242)]).toEqual(['user-2', 'user-1']);
    doc.destroy();
  });
});
