import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import {
  actionRunPermission,
  entityRunManagePermission,
  runManagePermission,
} from '@edo/plugin-event-orchestration-common';
import { actionPermissionResourceRef } from '../actionPermissionRules';
import { parseEntityRefField, validBody } from '../requestValidation';
import { publicRun } from '../responses';
import { ApiRouter, RouteContext } from '../types';

/** `GET /actions` and `POST /actions/:id/runs` (one action as a one-step run). */
export function registerActionRoutes(router: ApiRouter, ctx: RouteContext) {
  const { actions, runs, logger, access, manualActions } = ctx;

  router.get('/actions', async (_req, res) => {
    res.json({
      items: actions.list().map(action => ({
        ...action,
        runnableByHand: manualActions.allowed.has(action.id),
      })),
    });
  });

  router.post('/actions/:id/runs', async (req, res) => {
    const credentials = await access.credentials(req);
    await access.authorize(credentials, runManagePermission, 'manage runs');
    const action = actions.get(req.params.id);
    if (!action)
      throw new NotFoundError(
        `No action '${req.params.id}'; GET /actions lists them`,
      );
    // Sensors may call every action; a user reaches only the listed ones, and
    // of those only the ones the policy allows them.
    if (!manualActions.allowed.has(action.id)) {
      throw new NotAllowedError(
        `Action '${action.id}' may not be run by hand: it is not listed in eventOrchestration.actions.manual.allowed`,
      );
    }
    await access.authorizeResource(
      credentials,
      actionRunPermission,
      { type: actionPermissionResourceRef, value: { id: action.id } },
      `run action '${action.id}'`,
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
    // The entity named is the one the run concerns (its owners are notified,
    // its tab shows the run): acting about it needs the entity permission;
    // naming none needs the admin permission.
    const actor = await access.authorizeEntities(
      credentials,
      entityRunManagePermission,
      entityRefs,
      `run action '${action.id}'`,
    );
    const { run, created } = await runs.startActionRun({
      actionId: action.id,
      input,
      entityRefs,
      actor,
      idempotencyKey: body.idempotencyKey,
    });
    if (!created) {
      // An idempotency key is the caller's, not a lookup: a key another
      // caller (or another entity) used answers nothing about their run.
      const startedBy = run.audit.find(a => a.action === 'start')?.actor;
      if (
        startedBy !== actor ||
        run.entityRefs.join(',') !== entityRefs.join(',')
      ) {
        throw new ConflictError(
          'This idempotencyKey was used for another request; choose another key',
        );
      }
    }
    if (created)
      logger.info(`Action ${action.id} started as run ${run.id} by ${actor}`);
    res.status(created ? 201 : 200).json(publicRun(run));
  });
}
