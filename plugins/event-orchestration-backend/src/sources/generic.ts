import { createHash } from 'node:crypto';
import { InputError } from '@backstage/errors';
import { OrchestrationEvent } from '@edo/plugin-event-orchestration-common';
import { getAtPath, parsePath } from '../sensors/paths';

/** Options of a `generic` webhook source. */
export interface GenericSourceOptions {
  eventType: string;
  /** Where in the body the event's subject is (e.g. `image`). */
  subjectPath?: string;
  /** Where in the body a sender-chosen id is; without it the body's hash is the id. */
  idPath?: string;
}

function scalarAt(body: unknown, path: string, what: string): string {
  const value = getAtPath(body, parsePath(path));
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw new InputError(
    `${what} '${path}' ${value === undefined ? 'is missing in the body' : 'must be a non-empty string or a number'}`,
  );
}

/**
 * Any JSON body becomes one event of the configured type. Without `idPath` the
 * id is a hash of the body, so an identical re-send is a duplicate.
 */
export function genericToEvents(
  body: unknown,
  rawBody: string,
  options: GenericSourceOptions & { sourceName: string },
): OrchestrationEvent[] {
  const id = options.idPath
    ? `${options.sourceName}-${scalarAt(body, options.idPath, 'idPath')}`
    : `${options.sourceName}-${createHash('sha256').update(rawBody).digest('hex').slice(0, 40)}`;
  const subject = options.subjectPath
    ? scalarAt(body, options.subjectPath, 'subjectPath')
    : undefined;
  return [
    {
      specversion: '1.0',
      id,
      source: `/webhooks/${options.sourceName}`,
      type: options.eventType,
      ...(subject ? { subject } : {}),
      time: new Date().toISOString(),
      datacontenttype: 'application/json',
      data: body,
    },
  ];
}
