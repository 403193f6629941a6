import { randomUUID } from 'node:crypto';
import { Role } from '@mixroom/protocol';
import { z } from 'zod';
import type { MembershipChange, MembershipChanges } from '../auth/membership-changes.js';
import type { SignInEvents } from '../auth/sign-in-watch.js';
import type { Logger } from '../log.js';
import type { RedisBus } from './redis-bus.js';

/**
 * A small typed event stream between processes. This process's subscribers hear its own
 * events synchronously, as with the in-process seams (a removed member's sockets close before
 * the REST answer leaves), and the others hear them through Redis. What arrives from Redis is
 * validated: a malformed message is logged and dropped.
 */
export class RedisTopic<T> {
  private readonly subscribers = new Set<(value: T) => void>();
  private readonly sourceId = randomUUID();
  private readonly envelope: z.ZodType<{ source: string; value: T }>;
  readonly ready: Promise<void>;
  private unsubscribe: () => void = () => {};

  constructor(
    private readonly bus: RedisBus,
    private readonly name: string,
    schema: z.ZodType<T>,
    private readonly logger: Logger,
  ) {
    this.envelope = z.object({ source: z.string(), value: schema }) as unknown as z.ZodType<{ source: string; value: T }>;
    this.ready = bus.subscribe(name, (message) => this.receive(message)).then((u) => {
      this.unsubscribe = u;
    });
  }

  publish(value: T): void {
    this.deliver(value);
    this.bus.publish(this.name, JSON.stringify({ source: this.sourceId, value }));
  }

  subscribe(fn: (value: T) => void): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  private receive(message: Buffer): void {
    let json: unknown;
    try {
      json = JSON.parse(message.toString('utf8'));
    } catch {
      json = undefined;
    }
    const parsed = this.envelope.safeParse(json);
    if (!parsed.success) {
      this.logger.warn(`ignoring a malformed ${this.name} message from Redis (${message.length} bytes)`);
      return;
    }
    if (parsed.data.source !== this.sourceId) this.deliver(parsed.data.value);
  }

  private deliver(value: T): void {
    for (const fn of this.subscribers) {
      try {
        fn(value);
      } catch (err) {
        this.logger.error(`a ${this.name} subscriber failed`, err);
      }
    }
  }

  close(): void {
    this.unsubscribe();
    this.subscribers.clear();
  }
}

const MembershipChangeMessage: z.ZodType<MembershipChange> = z.object({
  sessionId: z.string().min(1).max(200),
  userId: z.string().min(1).max(200),
  role: Role.nullable(),
  sessionDeleted: z.boolean().optional(),
});

export const membershipChangesOverRedis = (bus: RedisBus, logger: Logger): RedisTopic<MembershipChange> & MembershipChanges =>
  new RedisTopic(bus, 'membership', MembershipChangeMessage, logger);

export const signInEventsOverRedis = (bus: RedisBus, logger: Logger): RedisTopic<string> & SignInEvents =>
  new RedisTopic(bus, 'sign-in-ended', z.string().min(1).max(200), logger);
