import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import express from 'express';
import { z } from 'zod';

/*
 * The OpenAPI validator (see ../schema/openapi.yaml) checks every request
 * before its route. These helpers keep the answers what they were before the
 * spec existed: a refused query answers 400 `Invalid query: <name>: <reason>`;
 * a refused body waits for its route, which checks the caller's permission
 * first and then answers 400 `Invalid request body: <field>: <reason>`.
 */

const refusedBodies = new WeakMap<express.Request, InputError>();

/** How the validator's messages read in the routes' words; a body refusal waits for its route. */
const rewordings: Array<{
  pattern: RegExp;
  reword: (match: RegExpMatchArray) => string;
  body?: true;
}> = [
  {
    pattern: /^Unknown query parameter '(.*)'$/,
    reword: m => `Invalid query: unknown parameter(s) ${m[1]}`,
  },
  {
    pattern: /^Empty value found for query parameter '(.*)'$/,
    reword: m => `Invalid query: ${m[1]}: must not be empty`,
  },
  {
    pattern: /^request\/query\/([^ ]+) (.*)$/s,
    reword: m => `Invalid query: ${m[1]}: ${m[2]}`,
  },
  { pattern: /^(Parameter '.*)$/s, reword: m => `Invalid query: ${m[1]}` },
  {
    pattern: /^request\/params\/([^ ]+) (.*)$/s,
    reword: m => `Invalid path: ${m[1]}: ${m[2]}`,
  },
  {
    pattern: /^request\/body(\/[^ ]*)? (.*)$/s,
    reword: m =>
      `Invalid request body: ${
        (m[1] ?? '').split('/').filter(Boolean).join('.') || 'body'
      }: ${m[2]}`,
    body: true,
  },
  {
    pattern: /^(unsupported media type.*)$/s,
    reword: m => `Invalid request body: ${m[1]}`,
    body: true,
  },
];

/** Error handler placed right after the validator (whose errors arrive as InputError). */
export const rewordSpecErrors: express.ErrorRequestHandler = (
  error,
  req,
  _res,
  next,
) => {
  if (!(error instanceof Error) || error.name !== 'InputError') {
    next(error);
    return;
  }
  for (const { pattern, reword, body } of rewordings) {
    const match = error.message.match(pattern);
    if (!match) continue;
    const reworded = new InputError(reword(match));
    if (body) {
      refusedBodies.set(req, reworded);
      next();
    } else {
      next(reworded);
    }
    return;
  }
  next(error);
};

/**
 * The request body as the spec allows it (with the spec's defaults), or the
 * validator's refusal. `explain`, a zod schema of the same body, words the
 * refusal as the route always has where clients and tests rely on the words;
 * its output is the body then.
 */
export function validBody<T>(req: express.Request): T;
export function validBody<S extends z.ZodTypeAny>(
  req: express.Request,
  explain: S,
): z.output<S>;
export function validBody(req: express.Request, explain?: z.ZodTypeAny) {
  const refusal = refusedBodies.get(req);
  if (explain) {
    const parsed = explain.safeParse(req.body ?? {});
    if (!parsed.success) {
      throw new InputError(
        `Invalid request body: ${parsed.error.issues
          .map(i => `${i.path.join('.') || 'body'}: ${i.message}`)
          .join('; ')}`,
      );
    }
    if (refusal) throw refusal;
    return parsed.data;
  }
  if (refusal) throw refusal;
  return req.body ?? {};
}

/** A catalog entity ref from a request, in the lower-case form events carry. */
export function parseEntityRefField(ref: string): string {
  try {
    return stringifyEntityRef(parseEntityRef(ref)).toLocaleLowerCase('en-US');
  } catch (error) {
    throw new InputError(`entityRef: ${(error as Error).message}`);
  }
}
