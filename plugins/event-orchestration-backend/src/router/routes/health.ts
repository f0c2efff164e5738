import { HttpAuthService } from '@backstage/backend-plugin-api';
import { ServiceUnavailableError, isError } from '@backstage/errors';
import { HealthResponse } from '@edo/plugin-event-orchestration-common';
import express from 'express';
import { ApiRouter, RouteContext } from '../types';

/** How long `/health` details are reused before they are measured again. */
export const HEALTH_DETAILS_MAX_AGE_MS = 5_000;

/** How long the liveness check waits for the database before answering 503. */
export const LIVENESS_TIMEOUT_MS = 3_000;

/**
 * A value that is expensive to measure, shared by everyone who asks for it:
 * callers while a measurement runs wait for that one, and a finished
 * measurement is reused for `maxAgeMs`. A failed one is not kept.
 */
export class SharedMeasurement<T> {
  private latest?: { value: Promise<T>; settledAt?: number };

  constructor(
    private readonly measure: () => Promise<T>,
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(): Promise<T> {
    const latest = this.latest;
    if (
      latest &&
      (latest.settledAt === undefined ||
        this.now() - latest.settledAt < this.maxAgeMs)
    ) {
      return latest.value;
    }
    const entry: { value: Promise<T>; settledAt?: number } = {
      value: this.measure(),
    };
    this.latest = entry;
    entry.value.then(
      () => {
        entry.settledAt = this.now();
      },
      () => {
        if (this.latest === entry) this.latest = undefined;
      },
    );
    return entry.value;
  }
}

/** Rejects with `message` if `promise` has not settled within `ms`. */
export async function within<T>(
  promise: Promise<T>,
  ms: number,
  message: string,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(message)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Whether the caller of `/health` may see its details: any valid user or
 * service token. Probes without a token (or with one that does not verify)
 * get liveness only, so the route stays open to them.
 */
export async function maySeeHealthDetails(
  httpAuth: HttpAuthService,
  req: express.Request,
): Promise<boolean> {
  try {
    await httpAuth.credentials(req, { allow: ['user', 'service'] });
    return true;
  } catch (error) {
    if (
      isError(error) &&
      (error.name === 'AuthenticationError' || error.name === 'NotAllowedError')
    ) {
      return false;
    }
    throw error;
  }
}

/**
 * `GET /health`. Probes share one database ping; the details (database
 * aggregates, NATS calls) are measured at most every few seconds, whoever asks
 * how often.
 */
export function registerHealthRoutes(router: ApiRouter, ctx: RouteContext) {
  const { bus, store, sensors, logger, httpAuth } = ctx;
  const liveness = new SharedMeasurement(
    () =>
      within(
        ctx.pingDatabase(),
        LIVENESS_TIMEOUT_MS,
        `no answer within ${LIVENESS_TIMEOUT_MS} ms`,
      ),
    0,
  );
  const measured = new SharedMeasurement(async () => {
    const checkedAt = new Date().toISOString();
    let busHealth: HealthResponse['bus'];
    try {
      busHealth = await bus.health();
    } catch (error) {
      busHealth = { type: 'embedded', connected: false, consumers: [] };
      logger.warn(`Health check could not reach the bus: ${error}`);
    }
    return {
      bus: busHealth,
      linking: await store.events.linkRetries.counts(),
      checkedAt,
    };
  }, HEALTH_DETAILS_MAX_AGE_MS);

  router.get('/health', async (req, res) => {
    try {
      await liveness.get();
    } catch (error) {
      logger.warn(`Health check: the database does not answer: ${error}`);
      throw new ServiceUnavailableError('The database does not answer');
    }
    if (!(await maySeeHealthDetails(httpAuth, req))) {
      res.json({ status: 'ok' });
      return;
    }
    const { bus: busHealth, linking, checkedAt } = await measured.get();
    const loaded = sensors.current();
    const watches = ctx.watches?.() ?? [];
    const response: HealthResponse = {
      status:
        busHealth.connected &&
        loaded.errors.length === 0 &&
        watches.every(w => w.connected)
          ? 'ok'
          : 'degraded',
      bus: busHealth,
      sensors: { loaded: loaded.sensors.length, failed: loaded.errors.length },
      linking,
      replica: ctx.roles ?? { sensorEngine: true, runs: true },
      ...(watches.length > 0 ? { watches } : {}),
      checkedAt,
    };
    res.status(busHealth.connected ? 200 : 503).json(response);
  });
}
