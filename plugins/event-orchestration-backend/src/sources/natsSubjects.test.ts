import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { OrchestrationEvent } from '@edo/plugin-event-orchestration-common';
import { connect, headers } from '@nats-io/transport-node';
import { startNatsServer } from '../__testUtils__/natsServer';
import { NatsEventBus } from '../bus/NatsEventBus';
import { NatsSubjectSources, readNatsSubjectSources } from './natsSubjects';

jest.setTimeout(60_000);

describe('NATS subject sources', () => {
  it('turns messages CI publishes — also while no backend runs — into events, once each', async () => {
    const nats = await startNatsServer();
    const logger = mockServices.logger.mock();
    const sources = readNatsSubjectSources(
      new ConfigReader({
        eventOrchestration: {
          sources: {
            natsSubjects: [
              {
                name: 'ci',
                subject: 'ci.images',
                eventType: 'ci.image.pushed',
                subjectPath: 'image',
              },
            ],
          },
        },
      }),
    );
    const bus = await NatsEventBus.connect(
      { servers: [nats.url], stream: 'SRC_BUS' },
      logger,
    );
    const seen: OrchestrationEvent[] = [];
    const sub = await bus.subscribe('watch', async e => void seen.push(e));
    const ci = await connect({ servers: [nats.url] });
    try {
      // The source's stream exists after a first start; then the backend goes away.
      const first = await NatsSubjectSources.start({
        servers: [nats.url],
        sources,
        bus,
        logger,
      });
      await first.stop();
      // CI publishes while no backend listens: JetStream keeps the messages.
      const h = headers();
      h.set('Nats-Msg-Id', 'build-4711');
      ci.publish(
        'ci.images',
        JSON.stringify({ image: 'my-awesome-app', tag: 'v1.2.3' }),
        { headers: h },
      );
      ci.publish(
        'ci.images',
        JSON.stringify({ image: 'checkout', tag: 'v2.0.0' }),
      );
      ci.publish('ci.images', 'not json');
      await ci.flush();

      const second = await NatsSubjectSources.start({
        servers: [nats.url],
        sources,
        bus,
        logger,
      });
      const deadline = Date.now() + 15_000;
      while (seen.length < 2 && Date.now() < deadline)
        await new Promise(r => setTimeout(r, 50));
      await second.stop();
      expect(
        seen.map(e => [
          e.id.startsWith('ci-'),
          e.type,
          e.subject,
          (e.data as any).tag,
        ]),
      ).toEqual([
        [true, 'ci.image.pushed', 'my-awesome-app', 'v1.2.3'],
        [true, 'ci.image.pushed', 'checkout', 'v2.0.0'],
      ]);
      expect(seen[0].id).toBe('ci-build-4711');
    } finally {
      await sub.close();
      await ci.drain();
      await bus.close();
      await nats.cleanup();
    }
  });

  it('refuses sources inside the bus subjects or with a bad event type', () => {
    const read = (entry: Record<string, string>) => () =>
      readNatsSubjectSources(
        new ConfigReader({
          eventOrchestration: { sources: { natsSubjects: [entry] } },
        }),
      );
    expect(
      read({ name: 'x', subject: 'edo.events.x', eventType: 'a.b' }),
    ).toThrow("is inside the bus's own edo.> subjects");
    expect(
      read({ name: 'x', subject: 'ci.images', eventType: 'Image' }),
    ).toThrow('must be dotted lower-case');
  });
});
