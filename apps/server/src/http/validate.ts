import type { IncomingMessage } from 'node:http';
import type { z } from 'zod';
import { badRequest } from './respond.js';
import { readJsonBody } from './router.js';

export const zodMessage = (e: { issues: { path: PropertyKey[]; message: string }[] }) =>
  e.issues.map((i) => `${i.path.map(String).join('.') || 'body'}: ${i.message}`).join('; ');

/** Reads a JSON body and validates it; any problem is a 400 naming the field. */
export async function readBody<S extends z.ZodType>(req: IncomingMessage, schema: S): Promise<z.infer<S>> {
  const parsed = schema.safeParse(await readJsonBody(req));
  if (!parsed.success) throw badRequest(zodMessage(parsed.error));
  return parsed.data;
}
