import { LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { EventBus } from '@edo/plugin-event-orchestration-node';
import { parseDuration } from '@edo/plugin-event-orchestration-common';
import { Knex } from 'knex';
import { EmbeddedEventBus } from './EmbeddedEventBus';
import { NatsEventBus } from './NatsEventBus';
import { readNatsConnectionSettings } from './natsConnection';

function durationMs(config: Config, key: string): number | undefined {
  const value = config.getOptional(key);
  if (value === undefined) return undefined;
  const ms = typeof value === 'number' ? value : parseDuration(String(value));
  if (ms === undefined) {
    throw new Error(
      `eventOrchestration.bus.nats.${key} must be a duration such as 7d or 2m`,
    );
  }
  return ms;
}

/**
 * The bus in force: NATS JetStream when `eventOrchestration.bus.nats` is
 * configured, else the embedded bus on the plugin's database.
 */
export async function createEventBus(options: {
  config: Config;
  knex: Knex;
  logger: LoggerService;
}): Promise<{ bus: EventBus; close(): Promise<void> }> {
  const nats = options.config.getOptionalConfig('eventOrchestration.bus.nats');
  if (!nats) {
    return {
      bus: new EmbeddedEventBus(
        options.knex,
        options.logger.child({ component: 'bus' }),
      ),
      close: async () => {},
    };
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
