// Several server processes behind one address: set REDIS_URL and point them at the same
// PostgreSQL and blob store. Each seam that was in-process gets its Redis implementation here.
import { createAdapter } from '@socket.io/redis-adapter';
import type { MembershipChanges } from '../auth/membership-changes.js';
import type { SignInEvents } from '../auth/sign-in-watch.js';
import type { TransportStore } from '../events/transport-store.js';
import type { Logger } from '../log.js';
import type { DocUpdateFanout } from '../sync/fanout.js';
import { RedisBus, redactUrl } from './redis-bus.js';
import { RedisFanout } from './redis-fanout.js';
import { membershipChangesOverRedis, signInEventsOverRedis } from './redis-topic.js';
import { RedisTransportStore } from './redis-transport-store.js';

export interface RedisClusterOptions {
  url: string;
  prefix: string;
  logger: Logger;
  /** Names this process's connections in Redis's CLIENT LIST. */
  name: string;
}

export interface RedisCluster {
  readonly bus: RedisBus;
  readonly fanout: DocUpdateFanout;
  readonly membershipChanges: MembershipChanges;
  readonly signInEvents: SignInEvents;
  readonly transportStore: TransportStore;
  /** For socket.io's `adapter` option: rooms, broadcasts and fetchSockets span every process. */
  readonly socketIoAdapter: ReturnType<typeof createAdapter>;
  close(): Promise<void>;
}

export async function connectRedisCluster(options: RedisClusterOptions): Promise<RedisCluster> {
  const bus = await RedisBus.connect(options);
  // socket.io's adapter subscribes to patterns on its own connection; give it its own pair.
  const adapterPub = bus.publisher.duplicate({ connectionName: `${options.name}:io-pub` });
  const adapterSub = bus.subscriber.duplicate({ connectionName: `${options.name}:io-sub` });
  for (const c of [adapterPub, adapterSub]) c.on('error', () => {}); // the bus already reports Redis being down
  const membershipChanges = membershipChangesOverRedis(bus, options.logger);
  const signInEvents = signInEventsOverRedis(bus, options.logger);
  await Promise.all([membershipChanges.ready, signInEvents.ready]);
  options.logger.info(`sharing sessions with other server processes through Redis at ${redactUrl(options.url)} (prefix "${options.prefix}")`);
  return {
    bus,
    fanout: new RedisFanout(bus, options.logger),
    membershipChanges,
    signInEvents,
    transportStore: new RedisTransportStore(bus),
    socketIoAdapter: createAdapter(adapterPub, adapterSub, { key: `${options.prefix}socket.io` }),
    async close() {
      membershipChanges.close();
      signInEvents.close();
      await Promise.allSettled([adapterPub.quit(), adapterSub.quit()]);
      await bus.close();
    },
  };
}
