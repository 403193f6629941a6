// A hostile or confused member against the Yjs endpoint: oversized updates, channel edits without
// `stems.manage`, writes under someone else's client id, and writes made while read-only. Every
// refusal happens before the room's doc is touched and closes only the sender, with a code.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { MixModel } from '@mixroom/engine';
import { WS_CLOSE, YJS_LIMITS } from '@mixroom/protocol';
import { encodeUpdate } from './messages.js';
import { bindingTable } from './client-owners.js';
import {
  addMember, assertPostgresReachable, connectClient, createSession, databaseKinds, fetchAs, rawSocket, signUp, SKIP_PG, startServer, waitFor,
  type TestServer, type TestUser,
} from '../test-support.js';

beforeAll(async () => {
  if (!SKIP_PG) await assertPostgresReachable();
});

describe.each(databaseKinds)('Yjs update guard over $name', (kind) => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.reverse()) await c();
    cleanups.length = 0;
  });
  let s: TestServer & { cleanup(): Promise<void> };
  const DOC_LIMIT = 64 * 1024;
  beforeAll(async () => {
    const database = await kind.create();
    s = { ...(await startServer(database.config, { sync: { shapeCheck: null, maxDocBytes: DOC_LIMIT } })), cleanup: database.cleanup };
  });
  afterAll(async () => {
    await s?.server.close();
    await s?.cleanup();
  });

  function client(sessionId: string, user: TestUser, doc?: Y.Doc) {
    const c = connectClient(s.wsUrl, sessionId, user, doc);
    const closes: { code: number; reason: string }[] = [];
    c.provider.on('connection-close', (event: CloseEvent | null) => { if (event) closes.push({ code: event.code, reason: event.reason }); });
    cleanups.push(c.destroy);
    return { ...c, closes };
  }
  /** A stock `ws` socket of `user` that sends one sync update and reports how it was closed. */
  async function sendRaw(sessionId: string, user: TestUser, update: Uint8Array, wsUrl = s.wsUrl) {
    const sock = rawSocket(`${wsUrl}/${sessionId}`, user);
    cleanups.push(() => sock.ws.terminate());
    await sock.opened;
    sock.ws.send(encodeUpdate(update));
    const stillOpen = new Promise<{ code: number; reason: string }>((r) => setTimeout(() => r({ code: 0, reason: 'still open after 5 s' }), 5000));
    return Promise.race([sock.closed, stillOpen]);
  }
  async function room(id: string) {
    await s.server.rooms.read(id, () => null);
    return (await s.server.rooms.peek(id))!;
  }
  /** A session with two channels (written by the server, as an upload does) and a member of `role`. */
  async function sessionWith(role: string) {
    const id = await createSession(s);
    const member = await signUp(s.url, role[0].toUpperCase() + role.slice(1));
    await addMember(s, id, member, role);
    await s.server.rooms.edit(id, (d) => {
      const mix = new MixModel(d);
      mix.addChannel({ id: 'drums', name: 'Drums', stemId: 'stem-drums' });
      mix.addChannel({ id: 'bass', name: 'Bass', stemId: 'stem-bass' });
    });
    return { id, member };
  }
  /** The update a replica of the room's current state produces for `change`, written as client `clientID`. */
  async function craft(id: string, change: (doc: Y.Doc) => void, clientID?: number) {
    const doc = new Y.Doc();
    Y.applyUpdate(doc, Y.encodeStateAsUpdate((await room(id)).doc));
    // After the state is in: Yjs picks a new id for a doc that receives items under its own.
    if (clientID !== undefined) doc.clientID = clientID;
    const sv = Y.encodeStateVector(doc);
    change(doc);
    return Y.encodeStateAsUpdate(doc, sv);
  }

  describe('size limits', () => {
    it('refuses one update above the limit with 4413 before applying it; the others carry on', async () => {
      const { id } = await sessionWith('engineer');
      const a = client(id, s.owner);
      await a.synced;
      const before = Y.encodeStateAsUpdate((await room(id)).doc);
      const big = await craft(id, (d) => d.getMap('mix').set('blob', 'x'.repeat(YJS_LIMITS.maxUpdateBytes + 10)));
      const closed = await sendRaw(id, s.owner, big);
      expect(closed.code).toBe(WS_CLOSE.tooLarge);
      expect(closed.reason).toBe('a mix change may be at most 256 KiB; this one is 257 KiB');
      expect(Y.encodeStateAsUpdate((await room(id)).doc)).toEqual(before);
      new MixModel(a.doc).setChannelParam('drums', 'gain', -6);
      await waitFor(async () => new MixModel((await room(id)).doc).getChannelParam('drums', 'gain') === -6);
      expect(a.closes).toEqual([]);
    });

    it('a frame far above the limit is cut off by the socket layer (1009) without being read', async () => {
      const id = await createSession(s);
      const closed = await sendRaw(id, s.owner, new Uint8Array(4 * YJS_LIMITS.maxUpdateBytes + 1));
      expect(closed.code).toBe(WS_CLOSE.messageTooBig);
    });

    it('refuses an update that would grow the document past the limit, and keeps what came before', async () => {
      const id = await createSession(s);
      const ok = await craft(id, (d) => d.getMap('notes').set('first', 'a'.repeat(40 * 1024)));
      const a = await sendRawKeepOpen(id, s.owner, ok);
      await waitFor(async () => typeof (await room(id)).doc.getMap('notes').get('first') === 'string');
      a.ws.close();
      const second = await craft(id, (d) => d.getMap('notes').set('second', 'b'.repeat(40 * 1024)));
      const closed = await sendRaw(id, s.owner, second);
      expect(closed.code).toBe(WS_CLOSE.tooLarge);
      expect(closed.reason).toMatch(/^the mix document may be at most 64 KiB; it is 4\d KiB and this change adds 4\d KiB$/);
      expect((await room(id)).doc.getMap('notes').has('second')).toBe(false);
      // Nothing of it reached the database either.
      await (await room(id)).flush();
      const rows = await s.server.db.prisma.docUpdate.findMany({ where: { sessionId: id } });
      const restored = new Y.Doc();
      for (const r of rows) Y.applyUpdate(restored, r.data);
      expect(restored.getMap('notes').has('first')).toBe(true);
      expect(restored.getMap('notes').has('second')).toBe(false);
    });
  });

  describe('roles per part of the document', () => {
    const channelEdits: [string, (mix: MixModel) => void][] = [
      ['rename a channel', (mix) => mix.renameChannel('drums', 'Kit')],
      ['remove a channel', (mix) => mix.removeChannel('bass')],
      ['add a channel', (mix) => mix.addChannel({ id: 'keys', name: 'Keys', stemId: 'nope' })],
      ['point a channel at another stem', (mix) => mix.setChannelStem('drums', 'stem-bass')],
    ];
    it.each(channelEdits)('an artist cannot %s through the document (4406); faders still work after a resync', async (_label, edit) => {
      const { id, member } = await sessionWith('artist');
      const watcher = client(id, s.owner);
      const artist = client(id, member);
      await Promise.all([watcher.synced, artist.synced]);
      const channelsBefore = (await room(id)).doc.getMap('channels').toJSON();
      edit(new MixModel(artist.doc));
      await waitFor(() => artist.closes.length > 0, 5000, 'the artist\'s close');
      expect(artist.closes[0]).toEqual({ code: WS_CLOSE.refused, reason: 'only the owner or an engineer can add, rename or remove channels' });
      expect((await room(id)).doc.getMap('channels').toJSON()).toEqual(channelsBefore);
      expect(watcher.doc.getMap('channels').toJSON()).toEqual(channelsBefore);
      // A fresh replica of the artist (what the web app does on this code) may move faders.
      const again = client(id, member);
      await again.synced;
      expect(new MixModel(again.doc).setChannelParam('drums', 'gain', -3)).toBe(true);
      await waitFor(() => new MixModel(watcher.doc).getChannelParam('drums', 'gain') === -3);
      expect(again.closes).toEqual([]);
    });

    it('an engineer may rename and remove channels through the document', async () => {
      const { id, member } = await sessionWith('engineer');
      const eng = client(id, member);
      await eng.synced;
      const mix = new MixModel(eng.doc);
      mix.renameChannel('drums', 'Kit');
      mix.removeChannel('bass');
      await waitFor(async () => new MixModel((await room(id)).doc).listChannels().map((c) => c.name).join() === 'Kit');
      expect(eng.closes).toEqual([]);
    });

    it('nobody writes the server\'s client-id table', async () => {
      const id = await createSession(s);
      const forged = await craft(id, (d) => d.getMap('clientOwners').set('12345', s.owner.id));
      const closed = await sendRaw(id, s.owner, forged);
      expect(closed).toEqual({ code: WS_CLOSE.refused, reason: '"clientOwners" is written by the server only' });
    });
  });

  describe('client ids', () => {
    it('a member cannot write under another member\'s client id, online or offline; the owner\'s own edits keep flowing', async () => {
      const { id, member } = await sessionWith('engineer');
      const owner = client(id, s.owner);
      await owner.synced;
      new MixModel(owner.doc).setChannelParam('drums', 'gain', -1);
      await waitFor(async () => new MixModel((await room(id)).doc).getChannelParam('drums', 'gain') === -1);
      const forged = await craft(id, (d) => new MixModel(d).setChannelParam('drums', 'gain', -20), owner.doc.clientID);
      expect(await sendRaw(id, member, forged)).toEqual({ code: WS_CLOSE.clientIdTaken, reason: `Yjs client id ${owner.doc.clientID} belongs to another member` });
      // Offline: the owner's replica keeps its id and makes an edit at the very clock the forger wanted.
      owner.provider.disconnect();
      const forgedOffline = await craft(id, (d) => new MixModel(d).setChannelParam('drums', 'gain', -20), owner.doc.clientID);
      expect((await sendRaw(id, member, forgedOffline)).code).toBe(WS_CLOSE.clientIdTaken);
      new MixModel(owner.doc).setChannelParam('drums', 'gain', -2);
      owner.provider.connect();
      await waitFor(async () => new MixModel((await room(id)).doc).getChannelParam('drums', 'gain') === -2, 5000, 'the owner\'s offline edit');
      expect(owner.closes).toEqual([]);
      // The server's own id is not up for grabs either.
      const asServer = await craft(id, (d) => d.getMap('x').set('y', 1), (await room(id)).doc.clientID);
      expect((await sendRaw(id, member, asServer)).code).toBe(WS_CLOSE.clientIdTaken);
    });

    it('the binding survives a reload of the room from the database', async () => {
      const database = await kind.create();
      cleanups.push(() => database.cleanup());
      const one = await startServer(database.config, { sync: { shapeCheck: null, unloadGraceMs: 10 } });
      cleanups.push(() => one.server.close());
      const id = await createSession(one);
      const member = await signUp(one.url, 'Eng');
      await addMember(one, id, member, 'engineer');
      const owner = connectClient(one.wsUrl, id, one.owner);
      cleanups.push(owner.destroy);
      await owner.synced;
      owner.doc.getMap('m').set('k', 1);
      await waitFor(async () => (await one.server.rooms.peek(id))?.doc.getMap('m').get('k') === 1);
      owner.provider.disconnect();
      await waitFor(() => one.server.rooms.peek(id) === undefined, 5000, 'unload');
      const doc = new Y.Doc();
      Y.applyUpdate(doc, Y.encodeStateAsUpdate(owner.doc));
      doc.clientID = owner.doc.clientID;
      const sv = Y.encodeStateVector(doc);
      doc.getMap('m').set('k', 666);
      expect((await sendRaw(id, member, Y.encodeStateAsUpdate(doc, sv), one.wsUrl)).code).toBe(WS_CLOSE.clientIdTaken);
    });
  });

  describe('client-id bindings stay bounded', () => {
    it('bindings of clients idle for the limit are pruned (the table shrinks back), a pruned id is retired for everyone, a client that keeps writing keeps its binding', async () => {
      const DAY = 24 * 3_600_000;
      let clock = Date.UTC(2026, 0, 1);
      const database = await kind.create();
      cleanups.push(() => database.cleanup());
      const one = await startServer(database.config, { sync: { shapeCheck: null, now: () => clock, clientOwnerIdleMs: 30 * DAY } });
      cleanups.push(() => one.server.close());
      const id = await createSession(one);
      const member = await signUp(one.url, 'Eng');
      await addMember(one, id, member, 'engineer');
      const roomDoc = async () => { await one.server.rooms.read(id, () => null); return (await one.server.rooms.peek(id))!.doc; };
      const ownersBytes = async () => Y.encodeStateAsUpdate(await roomDoc()).length;
      const craftHere = async (change: (doc: Y.Doc) => void, clientID: number) => {
        const doc = new Y.Doc();
        Y.applyUpdate(doc, Y.encodeStateAsUpdate(await roomDoc()));
        doc.clientID = clientID;
        const sv = Y.encodeStateVector(doc);
        change(doc);
        return Y.encodeStateAsUpdate(doc, sv);
      };
      // A tab that stays open and writes every 10 days.
      const steady = connectClient(one.wsUrl, id, one.owner);
      cleanups.push(steady.destroy);
      await steady.synced;
      const steadyWrite = async (v: number) => {
        steady.doc.getMap('m').set('steady', v);
        await waitFor(async () => (await roomDoc()).getMap('m').get('steady') === v);
      };
      await steadyWrite(0);
      // 40 page loads that each write once and go away.
      const loads: number[] = [];
      for (let i = 0; i < 40; i++) {
        const c = connectClient(one.wsUrl, id, one.owner);
        await c.synced;
        c.doc.getMap('m').set('load', i);
        await waitFor(async () => (await roomDoc()).getMap('m').get('load') === i);
        loads.push(c.doc.clientID);
        c.destroy();
      }
      const table = () => bindingTable(roomDocSync!)?.size ?? 0;
      let roomDocSync: Y.Doc | undefined = await roomDoc();
      expect(table()).toBe(41);
      const before = await ownersBytes();
      for (let day = 10; day <= 40; day += 10) {
        clock += 10 * DAY;
        await steadyWrite(day);
      }
      roomDocSync = await roomDoc();
      // Only the tab that kept writing is left; the 40 idle ones went with their old table.
      expect(table()).toBe(1);
      const after = await ownersBytes();
      console.log(`document with 41 bindings: ${before} B; after pruning 40 idle ones: ${after} B (${((before - after) / 40).toFixed(1)} B per page load reclaimed)`);
      expect(after).toBeLessThan(before - 40 * 20);
      // A pruned id is nobody's: not the member's to take over, and not even its own account's stale tab.
      const forged = await craftHere((d) => d.getMap('m').set('load', 666), loads[0]);
      expect(await sendRaw(id, member, forged, one.wsUrl)).toEqual({ code: WS_CLOSE.clientIdTaken, reason: `Yjs client id ${loads[0]} has not written for a long time and was retired; reload the page to edit again` });
      expect((await sendRaw(id, one.owner, forged, one.wsUrl)).code).toBe(WS_CLOSE.clientIdTaken);
      // The steady tab was never interrupted, and the member's forgery under its id is still refused.
      const underSteady = await craftHere((d) => d.getMap('m').set('steady', -1), steady.doc.clientID);
      expect((await sendRaw(id, member, underSteady, one.wsUrl)).reason).toBe(`Yjs client id ${steady.doc.clientID} belongs to another member`);
      await steadyWrite(41);
      expect((await roomDoc()).getMap('m').get('load')).toBe(39);
    });
  });

  describe('writes while read-only', () => {
    it('demoted to viewer, then promoted again: the write made as viewer is refused (4303), the client resyncs and nothing is wedged', async () => {
      const { id, member } = await sessionWith('engineer');
      const watcher = client(id, s.owner);
      const eng = client(id, member);
      await Promise.all([watcher.synced, eng.synced]);
      const setRole = (role: string) => fetchAs(s.owner, `${s.url}/api/sessions/${id}/members/${member.id}`, { method: 'PATCH', body: JSON.stringify({ role }) });

      expect((await setRole('viewer')).status).toBe(200);
      new MixModel(eng.doc).setChannelParam('drums', 'gain', -9);
      await waitFor(() => eng.closes.some((c) => c.code === WS_CLOSE.readOnly), 5000, 'the read-only close');
      expect(eng.closes[0]).toEqual({ code: WS_CLOSE.readOnly, reason: 'viewers cannot change the mix; your change was not saved' });
      expect(new MixModel((await room(id)).doc).getChannelParam('drums', 'gain')).not.toBe(-9);

      expect((await setRole('engineer')).status).toBe(200);
      // Stock y-websocket reconnects on its own and resends what the server lacks.
      await waitFor(() => new MixModel(watcher.doc).getChannelParam('drums', 'gain') === -9, 10_000, 'the resent write');
      new MixModel(eng.doc).setChannelParam('bass', 'gain', -4);
      await waitFor(() => new MixModel(watcher.doc).getChannelParam('bass', 'gain') === -4, 5000, 'a later write');
    });

    it('an update with a gap in the sender\'s own clock is not parked silently: 4312, and the reconnect fills it', async () => {
      const { id, member } = await sessionWith('engineer');
      const watcher = client(id, s.owner);
      await watcher.synced;
      const doc = new Y.Doc();
      Y.applyUpdate(doc, Y.encodeStateAsUpdate((await room(id)).doc));
      const sv0 = Y.encodeStateVector(doc);
      doc.getMap('m').set('first', 1);
      const sv1 = Y.encodeStateVector(doc);
      doc.getMap('m').set('second', 2);
      const onlySecond = Y.encodeStateAsUpdate(doc, sv1);
      expect(await sendRaw(id, member, onlySecond)).toEqual({ code: WS_CLOSE.resync, reason: 'this change builds on changes the server does not have; reconnect to resync' });
      const sock = await sendRawKeepOpen(id, member, Y.encodeStateAsUpdate(doc, sv0));
      await waitFor(() => watcher.doc.getMap('m').get('second') === 2 && watcher.doc.getMap('m').get('first') === 1);
      sock.ws.close();
    });
  });

  async function sendRawKeepOpen(sessionId: string, user: TestUser, update: Uint8Array) {
    const sock = rawSocket(`${s.wsUrl}/${sessionId}`, user);
    cleanups.push(() => sock.ws.terminate());
    await sock.opened;
    sock.ws.send(encodeUpdate(update));
    return sock;
  }
});
