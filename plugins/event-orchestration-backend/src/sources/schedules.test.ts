import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { ConfigReader } from '@backstage/config';
import { OrchestrationEvent } from '@edo/plugin-event-orchestration-common';
import { createTestDatabases } from '../__testUtils__/testDatabases';
import { emitDueTicks, readSchedules } from './schedules';
import { OrchestrationDatabase } from '../store';

jest.setTimeout(30_000);
const databases = createTestDatabases();

const config = (catchUp: boolean) =>
  new ConfigReader({
    eventOrchestration: {
      schedules: [
        {
          name: 'office-hours',
          cron: '0 9 * * mon-fri',
          timezone: 'Europe/Berlin',
          catchUp,
          data: { check: 'certificates' },
        },
      ],
    },
  });

describe.each(databases.eachSupportedId())('schedules on %s', databaseId => {
  async function setup() {
    const knex = await databases.init(databaseId);
    await knex.migrate.latest({
      directory: resolvePackagePath(
        '@edo/plugin-event-orchestration-backend',
        'migrations',
      ),
    });
    const published: OrchestrationEvent[] = [];
    return {
      sourceState: OrchestrationDatabase.create({ knex }).sourceState,
      published,
      publish: async (e: OrchestrationEvent) => void published.push(e),
    };
  }
  const at = (iso: string) => Date.parse(iso);

  it('emits each tick once, in the schedule time zone, from the first round on', async () => {
    const { sourceState, published, publish } = await setup();
    const schedules = readSchedules(config(false));
    // Monday 2026-11-23 07:00 UTC = 08:00 Berlin: the first round only starts the clock.
    await emitDueTicks({
      schedules,
      sourceState,
      publish,
      now: at('2026-11-23T07:00:00Z'),
    });
    expect(published).toEqual([]);
    await emitDueTicks({
      schedules,
      sourceState,
      publish,
      now: at('2026-11-23T07:59:50Z'),
    });
    expect(published).toEqual([]);
    await emitDueTicks({
      schedules,
      sourceState,
      publish,
      now: at('2026-11-23T08:00:10Z'),
    });
    await emitDueTicks({
      schedules,
      sourceState,
      publish,
      now: at('2026-11-23T08:00:25Z'),
    });
    expect(published).toEqual([
      {
        specversion: '1.0',
        id: 'schedule-office-hours-2026-11-23T08:00:00.000Z',
        source: '/schedules/office-hours',
        type: 'schedule.tick',
        subject: 'office-hours',
        time: '2026-11-23T08:00:00.000Z',
        datacontenttype: 'application/json',
        data: {
          check: 'certificates',
          schedule: 'office-hours',
          cron: '0 9 * * mon-fri',
          timezone: 'Europe/Berlin',
          missed: false,
        },
        origin: { kind: 'schedule', source: 'office-hours' },
      },
    ]);
  });

  it('skips ticks missed while nothing ran, unless catchUp is set', async () => {
    const skip = await setup();
    await emitDueTicks({
      schedules: readSchedules(config(false)),
      sourceState: skip.sourceState,
      publish: skip.publish,
      now: at('2026-11-20T12:00:00Z'),
    });
    // Down from Friday noon to Wednesday 10:00 UTC: Mon, Tue, Wed 09:00 Berlin were missed.
    await emitDueTicks({
      schedules: readSchedules(config(false)),
      sourceState: skip.sourceState,
      publish: skip.publish,
      now: at('2026-11-25T10:00:00Z'),
    });
    expect(skip.published).toEqual([]);

    const catchUp = await setup();
    await emitDueTicks({
      schedules: readSchedules(config(true)),
      sourceState: catchUp.sourceState,
      publish: catchUp.publish,
      now: at('2026-11-20T12:00:00Z'),
    });
    await emitDueTicks({
      schedules: readSchedules(config(true)),
      sourceState: catchUp.sourceState,
      publish: catchUp.publish,
      now: at('2026-11-25T10:00:00Z'),
    });
    expect(
      catchUp.published.map(e => [e.time, (e.data as any).missed]),
    ).toEqual([
      ['2026-11-23T08:00:00.000Z', true],
      ['2026-11-24T08:00:00.000Z', true],
      ['2026-11-25T08:00:00.000Z', true],
    ]);
  });
});

describe('schedule configuration', () => {
  it('names the entry and the problem', () => {
    const read = (schedule: Record<string, string>) => () =>
      readSchedules(
        new ConfigReader({ eventOrchestration: { schedules: [schedule] } }),
      );
    expect(read({ name: 'x', cron: 'every day' })).toThrow(
      /^eventOrchestration\.schedules\[0\]\.cron 'every day' \(timezone UTC\) is invalid: /,
    );
    expect(
      read({ name: 'x', cron: '* * * * *', timezone: 'Mars/Base' }),
    ).toThrow(
      "eventOrchestration.schedules[0].timezone 'Mars/Base' is not an IANA time zone such as Europe/Berlin",
    );
    expect(read({ name: 'X Y', cron: '* * * * *' })).toThrow(
      "eventOrchestration.schedules[0].name 'X Y' must be lower-case letters, digits, '-' or '_'",
    );
  });
});
