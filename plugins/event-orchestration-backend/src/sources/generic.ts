import { createHash } from 'node:crypto';
import { InputError } from '@backstage/errors';
import { OrchestrationEvent } from '@edo/plugin-event-orchestration-common';
import { getAtPath, parsePath } from '../shared/paths';

/** Default most items one batched request (`itemsPath`) may carry. */
export const DEFAULT_MAX_ITEMS = 1000;

/** Options of a `generic` webhook source. */
export interface GenericSourceOptions {
  eventType: string;
  /** Where in the body (in each item, when batched) the event's subject is (e.g. `image`). */
  subjectPath?: string;
  /** Where in the body (in each item) a sender-chosen id is; without it the hash is the id. */
  idPath?: string;
  /**
   * Batched senders: where in the body the array of items is (`$` for a body that
   * is itself an array); each item becomes one event. Unset: the body is one event.
   */
  itemsPath?: string;
  /** Most items one batched request may carry; more get 413. */
  maxItems?: number;
}

/** An error Backstage's error handler answers with 413. */
export function payloadTooLarge(message: string) {
  return Object.assign(new Error(message), {
    name: 'PayloadTooLargeError',
    statusCode: 413,
  });
}

function scalarAt(
  body: unknown,
  path: string,
  what: string,
  where: string,
): string {
  const value = getAtPath(body, parsePath(path));
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw new InputError(
    `${what} '${path}' ${
      value === undefined
        ? `is missing in ${where}`
        : `must be a non-empty string or a number in ${where}`
    }`,
  );
}

const hashOf = (bytes: Buffer | string) =>
  createHash('sha256').update(bytes).digest('hex').slice(0, 40);

/** The items of a batched body; throws the 4xx the sender should see. */
function itemsOf(
  body: unknown,
  options: GenericSourceOptions & { sourceName: string },
): unknown[] {
  const path = options.itemsPath!;
  const items = path === '$' ? body : getAtPath(body, parsePath(path));
  if (!Array.isArray(items)) {
    throw new InputError(
      path === '$'
        ? `Webhook source '${options.sourceName}' takes a JSON array of items (itemsPath '$')`
        : `itemsPath '${path}' ${
            items === undefined ? 'is missing in the body' : 'must be an array'
          }`,
    );
  }
  const maxItems = options.maxItems ?? DEFAULT_MAX_ITEMS;
  if (items.length > maxItems) {
    throw payloadTooLarge(
      `The body carries ${items.length} items; webhook source '${options.sourceName}' accepts at most ${maxItems} per request`,
    );
  }
  return items;
}

/**
 * Any JSON body becomes one event of the configured type, or, with `itemsPath`,
 * each item of the array there becomes one. Without `idPath` the id is a hash of
 * the body (of the item), so an identical re-send is a duplicate. Every id and
 * subject is read before anything is returned: one bad item rejects the request.
 */
export function genericToEvents(
  body: unknown,
  /** The body as received, so an identical re-send hashes alike. */
  rawBody: Buffer,
  options: GenericSourceOptions & { sourceName: string },
): OrchestrationEvent[] {
  const time = new Date().toISOString();
  const toEvent = (
    data: unknown,
    hash: () => string,
    where: string,
  ): OrchestrationEvent => {
    const id = options.idPath
      ? `${options.sourceName}-${scalarAt(
          data,
          options.idPath,
          'idPath',
          where,
        )}`
      : `${options.sourceName}-${hash()}`;
    const subject = options.subjectPath
      ? scalarAt(data, options.subjectPath, 'subjectPath', where)
      : undefined;
    return {
      specversion: '1.0',
      id,
      source: `/webhooks/${options.sourceName}`,
      type: options.eventType,
      ...(subject ? { subject } : {}),
      time,
      datacontenttype: 'application/json',
      data,
      origin: {
        kind: 'webhook',
        source: options.sourceName,
        sourceType: 'generic',
      },
    };
  };
  if (options.itemsPath === undefined) {
    return [toEvent(body, () => hashOf(rawBody), 'the body')];
  }
  // An item's hash is taken over its JSON text as parsed from the body, which is
  // the same for the same bytes, so a re-sent batch yields the same ids.
  return itemsOf(body, options).map((item, index) =>
    toEvent(item, () => hashOf(JSON.stringify(item)), `item ${index}`),
  );
}
