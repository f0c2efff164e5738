import { InputError, NotFoundError } from '@backstage/errors';
import { runManagePermission } from '@edo/plugin-event-orchestration-common';
import { parseEntityRefField, validBody } from '../requestValidation';
import { publicRun } from '../responses';
import { ApiRouter, RouteContext } from '../types';

/** `GET /actions` and `POST /actions/:id/runs` (one action as a one-step run). */
export function registerActionRoutes(router: ApiRouter, ctx: RouteContext) {
  const { actions, runs, logger, access } = ctx;

  router.get('/actions', async (_req, res) => {
    res.json({ items: actions.list() });
  });

  router.post('/actions/:id/runs', async (req, res) => {
    const actor = await access.authorizeCaller(
      req,
      runManagePermission,
      'manage runs',
    );
    const action = actions.get(req.params.id);
    if (!action)
      throw new NotFoundError(
        `No action '${req.params.id}'; GET /actions lists them`,
      );
    const body = validBody<typeof req.body>(req);
    const input = body.input ?? {};
    const parsed = action.schema.input.safeParse(input);
    if (!parsed.success) {
      throw new InputError(
        `Input does not fit action '${action.id}': ${parsed.error.issues
          .map(i => `${i.path.join('.') || 'input'}: ${i.message}`)
          .join('; ')}`,
      );
    }
    const entityRefs = body.entityRef
      ? [parseEntityRefField(body.entityRef)]
      : [];
    const { run, created } = await runs.startActionRun({
      actionId: action.id,
      input,
      entityRefs,
      actor,
      idempotencyKey: body.idempotencyKey,
    });
    if (created)
      logger.info(`Action ${action.id} started as run ${run.id} by ${actor}`);
    res.status(created ? 201 : 200).json(publicRun(run));
  });
}
