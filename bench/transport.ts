// Start-time spread of "Listen together" across simulated clients.
//   npm run bench:transport
// 20 clients, each with its own clock offset and drift, a symmetric base one-way latency of
// 5–80 ms and ±10 ms jitter per message (plus occasional queuing spikes). Each client runs
// the same NTP-style exchanges as the browser (ClockSync), then the server orders a start
// 250 ms ahead; every client schedules it on its own clock. Spread = latest − earliest actual
// start in true (server) time. Reference in the same run: naive scheduling that trusts a
// single exchange, as a client without filtering would.
import { mkdirSync, writeFileSync } from 'node:fs';
import { ClockSync } from '../packages/engine/src/together/clock-sync';
import { mulberry32 } from '../packages/engine/src/util/prng';

const CLIENTS = 20;
const TRIALS = Number(process.argv[2] ?? 500);
// The browser exchanges every 250 ms for its first seconds, then keeps a sliding window of 32.
const EXCHANGE_COUNTS = [8, 16, 32];
const LEAD_MS = 250;

function quantile(xs: number[], q: number) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

function trial(seed: number, EXCHANGES: number) {
  const r = mulberry32(seed);
  const leg = (base: number) => base + (r() * 2 - 1) * 10 + (r() < 0.05 ? r() * 40 : 0);
  const clients = Array.from({ length: CLIENTS }, () => ({
    offset: (r() * 2 - 1) * 1e6, // serverClock − clientClock
    driftPpm: (r() * 2 - 1) * 50,
    base: 5 + r() * 75,
  }));
  // Clients sync concurrently from server time 0; then one start instant for all.
  const anchor = EXCHANGES * 250 + 5000 + LEAD_MS;
  const filtered: number[] = [];
  const naive: number[] = [];
  for (const c of clients) {
    const clientClock = (serverMs: number) => serverMs - c.offset + (serverMs * c.driftPpm) / 1e6;
    const sync = new ClockSync();
    let firstEstimate = 0;
    let t = r() * 250;
    for (let i = 0; i < EXCHANGES; i++) {
      const up = Math.max(1, leg(c.base));
      const down = Math.max(1, leg(c.base));
      const sample = { clientSendMs: clientClock(t), serverMs: t + up, clientReceiveMs: clientClock(t + up + down) };
      sync.addSample(sample);
      if (i === 0) firstEstimate = sample.serverMs - (sample.clientSendMs + sample.clientReceiveMs) / 2;
      t += 250;
    }
    // The server's start instant, mapped by each client to its own clock; then back to true time.
    const toTrue = (clientMs: number) => {
      // invert clientClock: clientMs = s − offset + s·drift → s = (clientMs + offset) / (1 + drift)
      return (clientMs + c.offset) / (1 + c.driftPpm / 1e6);
    };
    filtered.push(toTrue(sync.toClientTime(anchor)));
    naive.push(toTrue(anchor - firstEstimate));
  }
  const spread = (xs: number[]) => Math.max(...xs) - Math.min(...xs);
  return { filtered: spread(filtered), naive: spread(naive) };
}

const stats = (xs: number[]) => ({ p50: +quantile(xs, 0.5).toFixed(3), p99: +quantile(xs, 0.99).toFixed(3), max: +Math.max(...xs).toFixed(3) });
const rows = EXCHANGE_COUNTS.map((exchanges) => {
  const spreads = Array.from({ length: TRIALS }, (_, i) => trial(i + 1, exchanges));
  return { exchanges, mixroom: stats(spreads.map((s) => s.filtered)), singleExchange: stats(spreads.map((s) => s.naive)) };
});
const result = {
  date: new Date().toISOString(),
  clients: CLIENTS,
  trials: TRIALS,
  latency: '5–80 ms one-way (symmetric base), ±10 ms uniform jitter per leg, 5% spikes up to +40 ms, ±50 ppm clock drift',
  rows,
};
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/transport.json', JSON.stringify(result, null, 2));
console.log(`| exchanges | Mixroom p50 ms | Mixroom p99 ms | max ms | single-exchange p50 ms | single-exchange p99 ms |\n|---|---|---|---|---|---|`);
for (const r of rows) {
  console.log(`| ${r.exchanges} | ${r.mixroom.p50} | ${r.mixroom.p99} | ${r.mixroom.max} | ${r.singleExchange.p50} | ${r.singleExchange.p99} |`);
}
const steady = rows[rows.length - 1];
console.log(`Target p99 < 5 ms with a full window (${steady.exchanges} exchanges): ${steady.mixroom.p99 < 5 ? 'met' : 'NOT met'}`);
