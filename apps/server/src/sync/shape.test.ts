// A member who may edit the mix, writing things MixModel never would: every such update is refused
// (4422, with what was wrong) before it touches the room's doc, and everything MixModel and its undo
// history write still goes through. The shape check does not depend on the database; PGlite only.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CHANNEL_STRIP_PARAMS, FX_BUSES, FX_RETURN_PARAMS, MASTER_BUS_PARAMS, MixModel, type ParamDef } from '@mixroom/engine';
import { WS_CLOSE } from '@mixroom/protocol';
import { encodeUpdate } from './messages.js';
import { addMember, connectClient, createSession, pglite, rawSocket, signUp, startServer, waitFor, type TestServer, type TestUser } from '../test-support.js';

describe('the mix document keeps its shape', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.reverse()) await c();
    cleanups.length = 0;
  });
  let s: TestServer & { cleanup(): Promise<void> };
  beforeAll(async () => {
    const database = await pglite.create();
    s = { ...(await startServer(database.config)), cleanup: database.cleanup };
  });
  afterAll(async () => {
    await s?.server.close();
    await s?.cleanup();
  });

  async function room(id: string) {
    await s.server.rooms.read(id, () => null);
    return (await s.server.rooms.peek(id))!;
  }
  async function sessionWith(role: string) {
    const id = await createSession(s);
    const member = await signUp(s.url, role[0].toUpperCase() + role.slice(1));
    await addMember(s, id, member, role);
    await s.server.rooms.edit(id, (d) => {
      const mix = new MixModel(d);
      mix.addChannel({ id: 'drums', name: 'Drums', stemId: 'stem-drums' });
      mix.addChannel({ id: 'bass', name: 'Bass', stemId: 'stem-bass' });
      mix.setChannelGain('drums', -3);
    });
    return { id, member };
  }
  /** What a replica of the room, after a first real fader move (so it has its own params array), sends for `change`. */
  async function craft(id: string, change: (doc: Y.Doc) => void) {
    const doc = new Y.Doc();
    Y.applyUpdate(doc, Y.encodeStateAsUpdate((await room(id)).doc));
    new MixModel(doc).setChannelGain('bass', -1);
    const warmup = Y.encodeStateAsUpdate(doc);
    const sv = Y.encodeStateVector(doc);
    change(doc);
    return { warmup, update: Y.encodeStateAsUpdate(doc, sv) };
  }
  async function send(id: string, user: TestUser, update: Uint8Array) {
    const sock = rawSocket(`${s.wsUrl}/${id}`, user);
    cleanups.push(() => sock.ws.terminate());
    await sock.opened;
    sock.ws.send(encodeUpdate(update));
    const stillOpen = new Promise<{ code: number; reason: string }>((r) => setTimeout(() => r({ code: 0, reason: 'still open after 5 s' }), 5000));
    return Promise.race([sock.closed, stillOpen]);
  }
  const ownArray = (doc: Y.Doc) => doc.getMap<Y.Array<unknown>>('params').get(String(doc.clientID))!;
  const entry = (k: string, v: unknown, t = 1000) => ({ k, v, t });

  const hostile: [string, string, (doc: Y.Doc) => void, RegExp][] = [
    ['artist', 'a string where a fader level belongs', (d) => ownArray(d).push([entry('ch:drums/gain', 'loud')]), /^ch:drums\/gain must be a number from -90 to 12; got "loud"$/],
    ['artist', 'a NaN gain', (d) => ownArray(d).push([entry('ch:drums/gain', NaN)]), /got NaN$/],
    ['artist', 'a gain far out of range', (d) => ownArray(d).push([entry('master/gain', 1e6)]), /^master\/gain must be a number from -90 to \d+; got 1000000$/],
    ['artist', 'a switch set to 0.5', (d) => ownArray(d).push([entry('ch:bass/mute', 0.5)]), /^ch:bass\/mute must be 0 or 1; got 0.5$/],
    ['artist', 'a parameter that does not exist', (d) => ownArray(d).push([entry('ch:drums/volume', 1)]), /^there is no mix parameter "ch:drums\/volume"$/],
    ['artist', 'an entry with extra keys', (d) => ownArray(d).push([{ ...entry('ch:drums/gain', -1), evil: true }]), /^a parameter entry has only k, v and t; got "evil"$/],
    ['artist', 'a non-integer timestamp', (d) => ownArray(d).push([entry('ch:drums/gain', -1, 1.5)]), /timestamp/],
    ['artist', 'a map nested in a parameter list', (d) => ownArray(d).push([new Y.Map()]), /^a parameter entry must be plain data; got a map$/],
    ['artist', 'text in a parameter list', (d) => ownArray(d).insert(0, [new Y.Text('hi')]), /^a parameter entry must be plain data; got a /],
    ['artist', 'a parameter list under someone else\'s client id', (d) => d.getMap('params').set('12345', new Y.Array()), /under its own client id/],
    ['artist', 'its own parameter list replaced by a map', (d) => d.getMap('params').set(String(d.clientID), new Y.Map()), /^a writer's parameter list must be an array; got a map$/],
    ['artist', 'an unknown top-level map', (d) => d.getMap('junk').set('x', 1), /^the mix document has no part called "junk"$/],
    ['artist', 'an unknown top-level array', (d) => d.getArray('markers').push(['verse']), /^the mix document has no part called "markers"$/],
    ['artist', 'an unknown setting', (d) => d.getMap('settings').set('tempo', 120), /^"tempo" is not a session setting$/],
    ['artist', 'a made-up channel colour', (d) => d.getMap('channelColors').set('bass', 'chartreuse-ish'), /^a channel's colour must be one of the console's colours; got "chartreuse-ish"$/],
    ['artist', 'a channel position that is not a position key', (d) => d.getMap('channelPositions').set('bass', 3), /^a channel's position must be a position key; got 3$/],
    ['artist', 'an automation mode that does not exist', (d) => d.getMap('automationModes').set('ch:bass', 'maybe'), /^an automation mode must be one of off, read, touch, latch, write; got "maybe"$/],
    ['artist', 'automation breakpoints that are not packed points', (d) => {
      const list = new Y.Array();
      d.getMap('automation').set(String(d.clientID), list);
      list.push([{ k: 'ch:bass/gain#0', v: 'loud', t: 1 }]);
    }, /^the breakpoints of ch:bass\/gain#0 must be packed 13-byte points/],
    ['artist', 'an automation lane of a parameter that does not exist', (d) => {
      const list = new Y.Array();
      d.getMap('automation').set(String(d.clientID), list);
      list.push([{ k: 'ch:bass/volume#0', v: new Uint8Array(13), t: 1 }]);
    }, /^there is no automation lane piece "ch:bass\/volume#0"$/],
    ['artist', 'a made-up delivery target', (d) => d.getMap('settings').set('deliveryTarget', 'louder'), /^the delivery target must be one of the built-in targets; got "louder"$/],
    ['owner', 'a number as a channel name (an overwrite: its key comes from the item it replaces)', (d) => (d.getMap('channels').get('drums') as Y.Map<unknown>).set('name', 42), /^a channel name must be text of 1 to 200 characters; got 42$/],
    ['owner', 'a channel order that is not a number', (d) => (d.getMap('channels').get('bass') as Y.Map<unknown>).set('order', 'first'), /^a channel's order must be a finite number; got "first"$/],
    ['owner', 'an unknown key on a channel', (d) => (d.getMap('channels').get('bass') as Y.Map<unknown>).set('color', 'red'), /^channels have no "color"$/],
    ['owner', 'a channel that is not a map', (d) => d.getMap('channels').set('keys', 'Keys'), /^channel "keys" must be a map; got "Keys"$/],
    ['owner', 'a map nested inside a channel', (d) => (d.getMap('channels').get('bass') as Y.Map<unknown>).set('name', new Y.Map()), /got a map$/],
    ['owner', 'something nested two levels deep', (d) => {
      const inner = new Y.Map<unknown>();
      (d.getMap('channels').get('bass') as Y.Map<unknown>).set('name', inner);
      inner.set('deep', 1);
    }, /./],
  ];

  it.each(hostile)('refuses from an %s: %s (4422), before it is applied', async (role, _what, change, reason) => {
    const { id, member } = await sessionWith(role);
    const user = role === 'owner' ? s.owner : member;
    const { warmup, update } = await craft(id, change);
    // The replica's honest first move goes in first, so the refusal is about `change` alone.
    const first = rawSocket(`${s.wsUrl}/${id}`, user);
    cleanups.push(() => first.ws.terminate());
    await first.opened;
    first.ws.send(encodeUpdate(warmup));
    await waitFor(async () => new MixModel((await room(id)).doc).getChannelParam('bass', 'gain') === -1, 10_000, 'the honest move');
    first.ws.close();
    const watcher = connectClient(s.wsUrl, id, s.owner);
    cleanups.push(watcher.destroy);
    await watcher.synced;
    const before = Y.encodeStateAsUpdate((await room(id)).doc);
    const closed = await send(id, user, update);
    expect(closed.code).toBe(WS_CLOSE.invalid);
    expect(closed.reason).toMatch(reason);
    expect(Y.encodeStateAsUpdate((await room(id)).doc)).toEqual(before);
    expect(Y.encodeStateAsUpdate(watcher.doc)).toEqual(before);
    // Nothing of it reached the database.
    await (await room(id)).flush();
    const rows = await s.server.db.prisma.docUpdate.findMany({ where: { sessionId: id } });
    const restored = new Y.Doc();
    for (const r of rows) Y.applyUpdate(restored, r.data);
    expect(Y.encodeStateVector(restored)).toEqual(Y.encodeStateVector((await room(id)).doc));
  });

  it('everything MixModel writes goes through: every parameter at its extremes, settings, channels, their order and colours, automation, undo and redo', async () => {
    const { id, member } = await sessionWith('engineer');
    const watcher = connectClient(s.wsUrl, id, s.owner);
    const eng = connectClient(s.wsUrl, id, member);
    cleanups.push(watcher.destroy, eng.destroy);
    const closes: number[] = [];
    eng.provider.on('connection-close', (e: CloseEvent | null) => e && closes.push(e.code));
    await Promise.all([watcher.synced, eng.synced]);
    const mix = new MixModel(eng.doc);
    const history = mix.createHistory({ captureMs: 0 });
    const extremes = (def: ParamDef) => [def.min, def.max, def.defaultValue, -Infinity, Infinity, (def.min + def.max) / 3, true, false];
    eng.doc.transact(() => {
      for (const def of Object.values(CHANNEL_STRIP_PARAMS)) for (const v of extremes(def)) mix.setChannelParam('drums', def.id as never, v);
      for (const def of Object.values(MASTER_BUS_PARAMS)) for (const v of extremes(def)) mix.setMasterParam(def.id as never, v);
    });
    for (const bus of FX_BUSES) for (const def of Object.values(FX_RETURN_PARAMS[bus])) for (const v of extremes(def)) mix.setFxParam(bus, def.id as never, v);
    mix.setChannelGain('bass', -7.25);
    history.undo();
    history.undo();
    history.redo();
    mix.setDeliveryTarget('apple-music');
    mix.addChannel({ id: 'keys', name: '  Keys  ', stemId: 'stem-keys' });
    mix.renameChannel('drums', 'Kit');
    mix.setChannelStem('bass', 'stem-bass-2');
    mix.removeChannel('keys');
    mix.addChannel({ id: 'keys', name: 'Keys again', stemId: 'stem-keys' });
    mix.setChannelGain('keys', 3);
    mix.clearSolo();
    for (let i = 0; i < 40; i++) {
      const shown = mix.getState().channels.map((c) => c.id);
      mix.moveChannel(i % 2 ? 'bass' : 'drums', shown, i % 3);
    }
    mix.setChannelColor('bass', 'blue');
    mix.automation.setMode({ kind: 'channel', channelId: 'bass' }, 'touch');
    mix.automation.setPoints('ch:bass/gain', [{ t: 0.5, v: -3, shape: 'linear' }, { t: 5.25, v: -12, shape: 'exp' }, { t: 9, v: 0, shape: 'hold' }]);
    mix.automation.replace('ch:bass/gain', 4, 6, [{ t: 4.5, v: -6, shape: 'linear' }]);
    mix.automation.clear('ch:drums/pan');
    mix.setChannelColor('bass', null);
    await waitFor(() => JSON.stringify(new MixModel(watcher.doc).getState()) === JSON.stringify(mix.getState()), 10_000, 'the watcher to converge');
    expect(JSON.stringify(new MixModel((await room(id)).doc).getState())).toBe(JSON.stringify(mix.getState()));
    expect(closes).toEqual([]);
    history.destroy();
  });
});
