import { rest } from 'msw';
import { deadLetter } from '../__fixtures__/deadLetters';
import { health, sensorVerdicts, sensors } from '../__fixtures__/globalPage';
import { recordedEvents, recordedRuns } from '../__fixtures__/recorded';
import { TEST_BASE_URL as BASE } from './withApis';

/**
 * The backend answers the global page asks for, from the recorded fixtures:
 * events, runs (`runsOfSensor` for `?sensor=`), sensors, a sensor's verdicts,
 * health and dead letters. `runQueries` collects the query strings of /runs.
 */
export function globalPageHandlers(
  options: { deadLetters?: unknown[]; runsOfSensor?: unknown } = {},
) {
  const runQueries: string[] = [];
  const handlers = [
    rest.get(`${BASE}/runs`, (req, res, ctx) => {
      runQueries.push(req.url.search);
      return res(
        ctx.json(
          req.url.searchParams.get('sensor')
            ? options.runsOfSensor ?? recordedRuns
            : recordedRuns,
        ),
      );
    }),
    rest.get(`${BASE}/events`, (_req, res, ctx) =>
      res(ctx.json(recordedEvents)),
    ),
    rest.get(`${BASE}/sensors`, (_req, res, ctx) => res(ctx.json(sensors))),
    rest.get(`${BASE}/sensors/:name/verdicts`, (_req, res, ctx) =>
      res(ctx.json(sensorVerdicts)),
    ),
    rest.get(`${BASE}/health`, (_req, res, ctx) => res(ctx.json(health))),
    rest.get(`${BASE}/dead-letters`, (_req, res, ctx) =>
      res(ctx.json({ items: options.deadLetters ?? [deadLetter] })),
    ),
  ];
  return { handlers, runQueries };
}
