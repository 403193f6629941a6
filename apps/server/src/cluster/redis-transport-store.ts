import { SharedTransportStateSchema } from '@mixroom/protocol';
import { INITIAL_SHARED_TRANSPORT, type SharedTransportState } from '@mixroom/engine';
import type { TransportStore } from '../events/transport-store.js';
import type { RedisBus } from './redis-bus.js';

/** A song position is worth nothing after a day without commands. */
const TRANSPORT_TTL_MS = 24 * 3_600_000;
/** Each retry means another process stored a command in between; a person clicks far slower. */
const MAX_ATTEMPTS = 20;

// Compare-and-set: store ARGV[2] only if the key still holds ARGV[1] ('' = absent).
const COMPARE_AND_SET = `
local current = redis.call('GET', KEYS[1])
if (current == false and ARGV[1] == '') or current == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0`;

/** Every process reads and writes the same state; concurrent commands retry on the newer one. */
export class RedisTransportStore implements TransportStore {
  constructor(private readonly bus: RedisBus) {}

  private key(sessionId: string): string {
    return `${this.bus.prefix}transport:${sessionId}`;
  }

  private async read(sessionId: string): Promise<{ raw: string; state: SharedTransportState }> {
    const raw = (await this.bus.publisher.get(this.key(sessionId))) ?? '';
    if (!raw) return { raw, state: INITIAL_SHARED_TRANSPORT };
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      parsed = undefined;
    }
    const state = SharedTransportStateSchema.safeParse(parsed);
    // Unreadable state (written by something else) starts the session's transport over.
    return { raw, state: state.success ? state.data : INITIAL_SHARED_TRANSPORT };
  }

  async get(sessionId: string): Promise<SharedTransportState> {
    return (await this.read(sessionId)).state;
  }

  async update(sessionId: string, change: (current: SharedTransportState) => SharedTransportState): Promise<SharedTransportState> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const { raw, state } = await this.read(sessionId);
      const next = change(state);
      const stored = await this.bus.publisher.eval(COMPARE_AND_SET, 1, this.key(sessionId), raw, JSON.stringify(next), String(TRANSPORT_TTL_MS));
      if (stored === 1) return next;
    }
    throw new Error(`the transport of session ${sessionId} changed ${MAX_ATTEMPTS} times while one command was applied`);
  }

  async forget(sessionId: string): Promise<void> {
    await this.bus.publisher.del(this.key(sessionId));
  }
}
