import { createHash } from 'node:crypto';
import { LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import {
  OrchestrationEvent,
  EVENT_TYPE_PATTERN,
} from '@edo/plugin-event-orchestration-common';
import { EventBus } from '@edo/plugin-event-orchestration-node';
import {
  AckPolicy,
  DeliverPolicy,
  RetentionPolicy,
  StorageType,
  jetstream,
  jetstreamManager,
} from '@nats-io/jetstream';
import { NatsConnection } from '@nats-io/transport-node';
import {
  NatsConnectionSettings,
  connectNats,
} from '../shared/nats/natsConnection';
import { getAtPath, parsePath } from '../shared/paths';

/** A NATS subject whose messages become events, `eventOrchestration.sources.natsSubjects[]`. */
export interface NatsSubjectSource {
  name: string;
  subject: string;
  eventType: string;
  subjectPath?: string;
  idPath?: string;
}

/** Reads `eventOrchestration.sources.natsSubjects`; a bad entry stops startup. */
export function readNatsSubjectSources(config: Config): NatsSubjectSource[] {
  return (
    config.getOptionalConfigArray('eventOrchestration.sources.natsSubjects') ??
    []
  ).map((entry, i) => {
    const where = `eventOrchestration.sources.natsSubjects[${i}]`;
    const name = entry.getString('name');
    if (!/^[a-z0-9][-a-z0-9_]*$/.test(name))
      throw new Error(
        `${where}.name '${name}' must be lower-case letters, digits, '-' or '_'`,
      );
    const subject = entry.getString('subject');
    if (subject.startsWith('edo.'))
      throw new Error(
        `${where}.subject '${subject}' is inside the bus's own edo.> subjects`,
      );
    const eventType = entry.getString('eventType');
    if (!EVENT_TYPE_PATTERN.test(eventType)) {
      throw new Error(
        `${where}.eventType '${eventType}' must be dotted lower-case, like ci.image.pushed`,
      );
    }
    return {
      name,
      subject,
      eventType,
      subjectPath: entry.getOptionalString('subjectPath'),
      idPath: entry.getOptionalString('idPath'),
    };
  });
}

/** One NATS message as an event; the id comes from Nats-Msg-Id, idPath, or the body's hash. */
export function natsMessageToEvent(
  source: NatsSubjectSource,
  body: unknown,
  raw: Uint8Array,
  msgId: string | undefined,
): OrchestrationEvent {
  const at = (path: string) => {
    const value = getAtPath(body, parsePath(path));
    return typeof value === 'string' || typeof value === 'number'
      ? String(value)
      : undefined;
  };
  const id =
    msgId ??
    (source.idPath ? at(source.idPath) : undefined) ??
    createHash('sha256').update(raw).digest('hex').slice(0, 40);
  const subject = source.subjectPath ? at(source.subjectPath) : undefined;
  return {
    specversion: '1.0',
    id: `${source.name}-${id}`,
    source: `/nats/${source.name}`,
    type: source.eventType,
    ...(subject ? { subject } : {}),
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    data: body,
    origin: { kind: 'nats', source: source.name },
  };
}

/**
 * Captures NATS subjects that CI publishes to (`ci.images` carrying
 * `{"image": "my-awesome-app", "tag": "v1.2.3"}`) in a JetStream stream of their
 * own, so messages sent while every backend is down wait there, and turns each
 * into an event on the bus. A durable consumer per source is shared by the
 * backend replicas; a message is acknowledged once its event is durable.
 */
export class NatsSubjectSources {
  private constructor(
    private readonly nc: NatsConnection,
    private readonly loops: Array<() => Promise<void>>,
  ) {}

  static async start(
    options: NatsConnectionSettings & {
      sources: NatsSubjectSource[];
      bus: EventBus;
      logger: LoggerService;
    },
  ): Promise<NatsSubjectSources> {
    const nc = await connectNats(options, {
      name: 'backstage-event-orchestration-sources',
      maxReconnectAttempts: -1,
      reconnectTimeWait: 1000,
    });
    const jsm = await jetstreamManager(nc);
    const js = jetstream(nc);
    const stops: Array<() => Promise<void>> = [];
    for (const source of options.sources) {
      const stream = `EDO_SOURCE_${source.name
        .replace(/[^A-Za-z0-9]/g, '_')
        .toUpperCase()}`;
      try {
        await jsm.streams.info(stream);
      } catch (error) {
        if (!/stream not found/i.test(String(error))) throw error;
        await jsm.streams.add({
          name: stream,
          subjects: [source.subject],
          retention: RetentionPolicy.Limits,
          storage: StorageType.File,
        });
      }
      const durable = 'edo_source';
      try {
        await jsm.consumers.info(stream, durable);
      } catch (error) {
        if (!/consumer not found/i.test(String(error))) throw error;
        await jsm.consumers.add(stream, {
          durable_name: durable,
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.All,
        });
      }
      const consumer = await js.consumers.get(stream, durable);
      const messages = await consumer.consume({ max_messages: 50 });
      const loop = (async () => {
        for await (const m of messages) {
          let body: unknown;
          try {
            body = m.json();
          } catch {
            options.logger.warn(
              `NATS source '${source.name}': a message on ${m.subject} is not JSON; dropped`,
            );
            m.term();
            continue;
          }
          try {
            await options.bus.publish(
              natsMessageToEvent(
                source,
                body,
                m.data,
                m.headers?.get('Nats-Msg-Id') || undefined,
              ),
            );
            m.ack();
          } catch (error) {
            options.logger.warn(
              `NATS source '${source.name}': could not publish, will retry: ${error}`,
            );
            m.nak(5000);
          }
        }
      })();
      stops.push(async () => {
        await messages.close();
        await loop;
      });
      options.logger.info(
        `NATS source '${source.name}': ${source.subject} → ${source.eventType}`,
      );
    }
    return new NatsSubjectSources(nc, stops);
  }

  async stop() {
    await Promise.all(this.loops.map(stop => stop()));
    await this.nc.drain();
  }
}
