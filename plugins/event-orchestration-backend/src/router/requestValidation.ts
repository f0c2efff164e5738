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
  const message = error.message;
  let match: RegExpMatchArray | null;
  if ((match = message.match(/^Unknown query parameter '(.*)'$/))) {
    next(new InputError(`Invalid query: unknown parameter(s) ${match[1]}`));
  } else if (
    (match = message.match(/^Empty value found for query parameter '(.*)'$/))
  ) {
    next(new InputError(`Invalid query: ${match[1]}: must not be empty`));
  } else if ((match = message.match(/^request\/query\/([^ ]+) (.*)$/s))) {
    next(new InputError(`Invalid query: ${match[1]}: ${match[2]}`));
  } else if (message.startsWith("Parameter '")) {
    next(new InputError(`Invalid query: ${message}`));
  } else if ((match = message.match(/^request\/params\/([^ ]+) (.*)$/s))) {
    next(new InputError(`Invalid path: ${match[1]}: ${match[2]}`));
  } else if ((match = message.match(/^request\/body(\/[^ ]*)? (.*)$/s))) {
    const field = (match[1] ?? '').split('/').filter(Boolean).join('.');
    refusedBodies.set(
      req,
      new InputError(`Invalid request body: ${field || 'body'}: ${match[2]}`),
    );
    next();
  } else if (message.startsWith('unsupported media type')) {
    refusedBodies.set(req, new InputError(`Invalid request body: ${message}`));
    next();
  } else {
    next(error);
  }
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
