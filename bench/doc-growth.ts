// Document growth: bytes and cold-load time of a session document after N fader moves
// by 4 users, for Mixroom's layout (MixModel on per-writer LWW registers) against the
// same moves written as plain Y.Map overwrites and as y-utility's YKeyValue, on the same
// trace in the same run. (YKeyValue is skipped above 200k moves: its writes get slow.)
//   npm run bench:doc-growth [-- 100000 1000000]
import { writeFileSync, mkdirSync } from 'node:fs';
import * as Y from 'yjs';
import { YKeyValue } from 'y-utility/y-keyvalue';
import { MixModel, initializeMix } from '../packages/engine/src/index';

const USERS = 4;
const CHANNELS = 16;
const counts = process.argv.slice(2).map(Number).filter((n) => n > 0);
if (counts.length === 0) counts.push(100_000, 1_000_000);

type Trace = 'drags' | 'two-controls';

/** Deterministic PRNG so both layouts see exactly the same trace. */
function mulberry32(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * 4 users drag at once, moves interleaved one by one as they would arrive over the network.
 * 'drags': each drag moves one fader 30–90 times, then the user grabs another one.
 * 'two-controls': each move writes two controls (as an EQ-node or XY-pad drag does).
 */
function* moves(n: number, trace: Trace) {
  const rnd = mulberry32(42);
  const current = Array.from({ length: USERS }, () => ({ ch: 0, left: 0 }));
  for (let i = 0; i < n; i++) {
    const u = i % USERS;
    const c = current[u];
    if (c.left === 0) {
      c.ch = Math.floor(rnd() * CHANNELS);
      c.left = 30 + Math.floor(rnd() * 60);
    }
    c.left--;
    const value = Math.round((-40 + rnd() * 52) * 10) / 10;
    yield { user: u, channel: `ch${c.ch}`, value, second: trace === 'two-controls' };
  }
}

function connect(docs: Y.Doc[]) {
  docs.forEach((d) =>
    d.on('update', (u: Uint8Array, origin: unknown) => {
      if (origin === 'peer') return;
      for (const o of docs) if (o !== d) Y.applyUpdate(o, u, 'peer');
    }),
  );
}

type Layout = 'mixroom' | 'plain-ymap' | 'ykeyvalue';

function run(layout: Layout, n: number, trace: Trace) {
  const channels = Array.from({ length: CHANNELS }, (_, i) => ({ id: `ch${i}`, name: `Ch ${i}`, stemId: `s${i}` }));
  const docs = Array.from({ length: USERS }, () => new Y.Doc());
  initializeMix(docs[0], channels);
  for (const d of docs.slice(1)) Y.applyUpdate(d, Y.encodeStateAsUpdate(docs[0]));
  connect(docs);
  const models = docs.map((d) => new MixModel(d));
  const maps = docs.map((d) => d.getMap<number>('plain'));
  const kvs = layout === 'ykeyvalue' ? docs.map((d) => new YKeyValue<number>(d.getArray('kv'))) : [];
  const t0 = performance.now();
  for (const m of moves(n, trace)) {
    if (layout === 'mixroom') {
      docs[m.user].transact(() => {
        models[m.user].setChannelGain(m.channel, m.value);
        if (m.second) models[m.user].setPan(m.channel, m.value / 60);
      });
    } else if (layout === 'ykeyvalue') {
      docs[m.user].transact(() => {
        kvs[m.user].set(`ch:${m.channel}/gain`, m.value);
        if (m.second) kvs[m.user].set(`ch:${m.channel}/pan`, m.value / 60);
      });
    } else {
      docs[m.user].transact(() => {
        maps[m.user].set(`ch:${m.channel}/gain`, m.value);
        if (m.second) maps[m.user].set(`ch:${m.channel}/pan`, m.value / 60);
      });
    }
  }
  const writeMs = performance.now() - t0;
  const bytes = Y.encodeStateAsUpdate(docs[0]);
  // Cold load: what a server or a new browser does when it opens the session.
  const t1 = performance.now();
  const fresh = new Y.Doc();
  Y.applyUpdate(fresh, bytes);
  const state =
    layout === 'mixroom'
      ? new MixModel(fresh).getState()
      : layout === 'ykeyvalue'
        ? Object.fromEntries(new YKeyValue(fresh.getArray('kv')).map)
        : fresh.getMap('plain').toJSON();
  const loadMs = performance.now() - t1;
  if (!state) throw new Error('load failed');
  return { layout, trace, moves: n, bytes: bytes.length, loadMs: +loadMs.toFixed(1), writeMs: Math.round(writeMs) };
}

const results = [];
// `--automation-only`: just the automation trace below (the layout comparison takes minutes).
const automationOnly = process.argv.includes('--automation-only');
for (const n of automationOnly ? [] : counts) {
  for (const trace of ['drags', 'two-controls'] as Trace[]) {
    const plain = run('plain-ymap', n, trace);
    const ours = run('mixroom', n, trace);
    const kv = n <= 200_000 ? run('ykeyvalue', n, trace) : null;
    results.push({ plain, ours, kv });
    console.log(
      `${n} moves, ${trace}: plain Y.Map ${plain.bytes} B / ${plain.loadMs} ms load; ` +
        (kv ? `YKeyValue ${kv.bytes} B / ${kv.loadMs} ms; ` : '') +
        `Mixroom ${ours.bytes} B / ${ours.loadMs} ms load; ${(plain.bytes / ours.bytes).toFixed(1)}x smaller than plain`,
    );
  }
}
/**
 * Automation recording (issue 20): the 4 users ride faders in Touch, each over its own channels,
 * 50 moves a second, going over the same 60 s passage take after take; moves reach the document
 * in flushes of 5 (every 100 ms, as the recorder does). Reports the document and the live curve.
 */
function automationTrace(n: number) {
  const channels = Array.from({ length: CHANNELS }, (_, i) => ({ id: `ch${i}`, name: `Ch ${i}`, stemId: `s${i}` }));
  const docs = Array.from({ length: USERS }, () => new Y.Doc());
  initializeMix(docs[0], channels);
  for (const d of docs.slice(1)) Y.applyUpdate(d, Y.encodeStateAsUpdate(docs[0]));
  connect(docs);
  const models = docs.map((d) => new MixModel(d));
  const rnd = mulberry32(7);
  const pending: Array<{ t: number; v: number; shape: 'linear' }[]> = docs.map(() => []);
  const level = docs.map(() => -10);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const u = i % USERS;
    const k = Math.floor(i / USERS);
    const t = (k % 3000) / 50;
    level[u] = Math.max(-40, Math.min(6, level[u] + (rnd() - 0.5) * 2));
    pending[u].push({ t, v: Math.round(level[u] * 10) / 10, shape: 'linear' });
    if (pending[u].length === 5) {
      const pts = pending[u];
      // Each user rides one of their four channels per 60 s take.
      const ch = `ch${u * 4 + (Math.floor(k / 3000) % 4)}`;
      models[u].automation.replace(`ch:${ch}/gain`, pts[0].t, pts[pts.length - 1].t, pts);
      pending[u] = [];
    }
  }
  const writeMs = performance.now() - t0;
  const bytes = Y.encodeStateAsUpdate(docs[0]);
  const t1 = performance.now();
  const fresh = new Y.Doc();
  Y.applyUpdate(fresh, bytes);
  const state = new MixModel(fresh).getState();
  const loadMs = performance.now() - t1;
  const breakpoints = Object.values(state.automation).reduce((s, l) => s + l.t.length, 0);
  return { moves: n, bytes: bytes.length, breakpoints, curveBytes: breakpoints * 13, lanes: Object.keys(state.automation).length, loadMs: +loadMs.toFixed(1), writeMs: Math.round(writeMs) };
}
const automation = counts.map((n) => automationTrace(n));
for (const a of automation) console.log(`automation: ${a.moves} recorded moves → ${a.lanes} lanes, ${a.breakpoints} breakpoints (${a.curveBytes} B of curve), document ${a.bytes} B, load ${a.loadMs} ms, writes ${a.writeMs} ms`);

mkdirSync('bench/results', { recursive: true });
writeFileSync(automationOnly ? 'bench/results/doc-growth-automation.json' : 'bench/results/doc-growth.json', JSON.stringify({ date: new Date().toISOString(), users: USERS, channels: CHANNELS, results, automation }, null, 2));
console.log(
  '\n| moves | trace | plain Y.Map bytes | YKeyValue bytes | Mixroom bytes | plain/Mixroom | plain load ms | YKeyValue load ms | Mixroom load ms |\n|---|---|---|---|---|---|---|---|---|',
);
for (const { plain: p, ours: o, kv } of results) {
  console.log(
    `| ${p.moves} | ${p.trace} | ${p.bytes} | ${kv?.bytes ?? 'n/a'} | ${o.bytes} | ${(p.bytes / o.bytes).toFixed(1)}x | ${p.loadMs} | ${kv?.loadMs ?? 'n/a'} | ${o.loadMs} |`,
  );
}
