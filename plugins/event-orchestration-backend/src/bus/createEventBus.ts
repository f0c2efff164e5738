import { LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { EventBus } from '@edo/plugin-event-orchestration-node';
import { Knex } from 'knex';
import { EmbeddedEventBus } from './EmbeddedEventBus';
import { NatsEventBus } from './NatsEventBus';
import { readOptionalDurationMs } from '../shared/config/durations';
import { readNatsConnectionSettings } from '../shared/nats/natsConnection';

function durationMs(
  config: Config,
  key: string,
  prefix = 'eventOrchestration.bus.nats',
): number | undefined {
  return readOptionalDurationMs(config, key, {
    message: `${prefix}.${key} must be a duration such as 7d or 2m`,
    numberIsMilliseconds: true,
  });
}

/**
 * The bus in force: NATS JetStream when `eventOrchestration.bus.nats` is
 * configured, else the embedded bus on the plugin's database.
 */
export async function createEventBus(options: {
  config: Config;
  knex: Knex;
  logger: LoggerService;
}): Promise<{
  bus: EventBus;
  close(): Promise<void>;
  /** The embedded bus deletes what every subscriber is done with (NATS: the stream's max_age). */
  prune?: () => Promise<number>;
}> {
  const nats = options.config.getOptionalConfig('eventOrchestration.bus.nats');
  if (!nats) {
    const embedded = options.config.getOptionalConfig(
      'eventOrchestration.bus.embedded',
    );
    const maxAgeMs = embedded
      ? durationMs(embedded, 'maxAge', 'eventOrchestration.bus.embedded')
      : undefined;
    if (maxAgeMs !== undefined && maxAgeMs < 120_000) {
      // A re-published id is a duplicate only while its message is kept:
      // senders' retries must fall inside (as NATS's 2m duplicate window).
      throw new Error(
        'eventOrchestration.bus.embedded.maxAge must be at least 2m',
      );
    }
    const bus = new EmbeddedEventBus(
      options.knex,
      options.logger.child({ component: 'bus' }),
      maxAgeMs === undefined ? {} : { maxAgeMs },
    );
    return { bus, close: async () => {}, prune: () => bus.prune() };
  }
  const connection = readNatsConnectionSettings(nats);
  const bus = await NatsEventBus.connect(
    {
      ...connection,
      stream: nats.getOptionalString('stream'),
      maxAgeMs: durationMs(nats, 'maxAge'),
      maxBytes: nats.getOptionalNumber('maxBytes'),
      duplicateWindowMs: durationMs(nats, 'duplicateWindow'),
      maxDeliver: nats.getOptionalNumber('maxDeliver'),
    },
    options.logger.child({ component: 'bus' }),
  );
  options.logger.info(
    `Event bus: NATS JetStream at ${connection.servers.join(', ')}`,
  );
  return { bus, close: () => bus.close() };
}
