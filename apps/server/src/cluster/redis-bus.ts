// Redis pub/sub for the seams between server processes. One connection publishes (and runs
// the transport store's script), one only listens, because a Redis connection that subscribes
// can do nothing else. Every channel and key carries the deployment's prefix, so several
// deployments (or test runs) can share one Redis.
import { Redis } from 'ioredis';
import type { Logger } from '../log.js';

export interface RedisBusOptions {
  url: string;
  /** Prepended to every channel and key (default `mixroom:`). */
  prefix: string;
  logger: Logger;
  /** Names the connections in `CLIENT LIST` (`<name>:pub`, `<name>:sub`). */
  name: string;
  /** How long the first connection may take before the server refuses to start. */
  connectTimeoutMs?: number;
}

type Handler = (message: Buffer) => void;

export class RedisBus {
  readonly prefix: string;
  private readonly handlers = new Map<string, Set<Handler>>();
  private readonly catchUpListeners = new Set<() => void>();
  private closed = false;

  private constructor(
    readonly publisher: Redis,
    readonly subscriber: Redis,
    private readonly options: RedisBusOptions,
  ) {
    this.prefix = options.prefix;
    subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) => this.dispatch(channel.toString(), message));
    subscriber.on('ready', () => void this.onSubscriberReady());
    for (const [role, client] of [['publisher', publisher], ['subscriber', subscriber]] as const) {
      // ioredis reconnects by itself; say so once per drop instead of once per retry.
      let down = false;
      client.on('error', (err: Error) => {
        if (!down && !this.closed) options.logger.error(`Redis ${role} connection: ${err.message}`);
        down = true;
      });
      client.on('ready', () => {
        if (down) options.logger.info(`Redis ${role} connection is back`);
        down = false;
      });
    }
  }

  /** Connects both connections; rejects with a clear message when Redis cannot be reached. */
  static async connect(options: RedisBusOptions): Promise<RedisBus> {
    const make = (role: string) =>
      new Redis(options.url, {
        connectionName: `${options.name}:${role}`,
        lazyConnect: true,
        // Published messages and store commands wait for a reconnect instead of failing fast:
        // an update published while Redis restarts still reaches the other processes.
        maxRetriesPerRequest: null,
        retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
      });
    const publisher = make('pub');
    const subscriber = make('sub');
    const noteFirstError = () => {}; // connect() rejects with it; without a listener ioredis prints it too
    publisher.on('error', noteFirstError);
    subscriber.on('error', noteFirstError);
    const timeoutMs = options.connectTimeoutMs ?? 5000;
    try {
      await withTimeout(Promise.all([publisher.connect(), subscriber.connect()]), timeoutMs, `Redis at ${redactUrl(options.url)} did not answer within ${timeoutMs} ms`);
    } catch (err) {
      publisher.disconnect();
      subscriber.disconnect();
      throw new Error(`cannot connect to Redis (REDIS_URL=${redactUrl(options.url)}): ${(err as Error).message}`, { cause: err });
    }
    publisher.off('error', noteFirstError);
    subscriber.off('error', noteFirstError);
    return new RedisBus(publisher, subscriber, options);
  }

  channel(name: string): string {
    return this.prefix + name;
  }

  /** Resolves once Redis confirmed the subscription; the returned function undoes it. */
  async subscribe(name: string, handler: Handler): Promise<() => void> {
    const channel = this.channel(name);
    let set = this.handlers.get(channel);
    const first = !set;
    if (!set) this.handlers.set(channel, (set = new Set()));
    set.add(handler);
    if (first) await this.subscriber.subscribe(channel);
    return () => {
      const current = this.handlers.get(channel);
      if (!current?.delete(handler) || current.size > 0) return;
      this.handlers.delete(channel);
      if (!this.closed) void this.subscriber.unsubscribe(channel).catch(() => {});
    };
  }

  publish(name: string, message: Buffer | string): void {
    this.publisher.publish(this.channel(name), message).catch((err: Error) => {
      if (!this.closed) this.options.logger.error(`Redis publish on ${name} failed`, err);
    });
  }

  /**
   * Called after the listening connection came back from a drop, once every channel is
   * subscribed again: whatever was published meanwhile was lost, so listeners catch up.
   */
  onCatchUp(listener: () => void): () => void {
    this.catchUpListeners.add(listener);
    return () => this.catchUpListeners.delete(listener);
  }

  /** Only runs on reconnects: the bus is built after the first connection is ready. */
  private async onSubscriberReady(): Promise<void> {
    // ioredis re-subscribes on its own, but without telling us when that is confirmed; our own
    // SUBSCRIBE (a no-op for channels already subscribed) answers after its on the same connection.
    const channels = [...this.handlers.keys()];
    try {
      if (channels.length > 0) await this.subscriber.subscribe(...channels);
    } catch (err) {
      this.options.logger.error('re-subscribing to Redis channels failed', err);
      return;
    }
    for (const listener of this.catchUpListeners) {
      try {
        listener();
      } catch (err) {
        this.options.logger.error('catching up after a Redis reconnect failed', err);
      }
    }
  }

  private dispatch(channel: string, message: Buffer): void {
    for (const handler of this.handlers.get(channel) ?? []) {
      try {
        handler(message);
      } catch (err) {
        this.options.logger.error(`handling a message on ${channel.slice(this.prefix.length)} failed`, err);
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.handlers.clear();
    this.catchUpListeners.clear();
    await Promise.allSettled([this.publisher.quit(), this.subscriber.quit()]);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]);
}

/** Never log a Redis password. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}
