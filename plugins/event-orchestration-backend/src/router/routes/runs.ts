import { ConflictError, NotFoundError } from '@backstage/errors';
import {
  ApprovalDecisionRequest,
  CommentRequest,
  RunAuditEntry,
  entityRunApprovePermission,
  entityRunManagePermission,
  runApprovePermission,
  runManagePermission,
} from '@edo/plugin-event-orchestration-common';
import { validBody } from '../requestValidation';
import { publicRun, withCursorErrors } from '../responses';
import { ApiRouter, RouteContext } from '../types';

/** `GET /runs`, `GET /runs/:id` and the manual actions on a run: cancel, retry, approve. */
export function registerRunRoutes(router: ApiRouter, ctx: RouteContext) {
  const { store, runs, logger, access } = ctx;

  async function existingRun(id: string) {
    const run = await store.runs.getRun({ id });
    if (!run) throw new NotFoundError(`No run with id '${id}'`);
    return run;
  }

  function auditEntry(
    action: RunAuditEntry['action'],
    actor: string,
    comment: string | undefined,
  ): RunAuditEntry {
    return {
      action,
      actor,
      at: new Date().toISOString(),
      ...(comment ? { comment } : {}),
    };
  }

  // Reads are filtered like events' (see routes/events.ts).
  router.get('/runs', async (req, res) => {
    const credentials = await access.credentials(req);
    const page = await withCursorErrors(() => store.runs.listRuns(req.query));
    const items = await access.readable(
      credentials,
      page.items,
      r => r.entityRefs,
    );
    res.json({ ...page, items: items.map(publicRun) });
  });

  router.get('/runs/:id', async (req, res) => {
    const credentials = await access.credentials(req);
    const run = await store.runs.getRun({ id: req.params.id });
    const [readable] = run
      ? await access.readable(credentials, [run], r => r.entityRefs)
      : [];
    if (!readable) throw new NotFoundError(`No run with id '${req.params.id}'`);
    res.json(publicRun(readable));
  });

  /** Cancel and retry: the same checks, a different transition. */
  function registerControl(control: {
    verb: 'cancel' | 'retry';
    past: string;
    allowed: string;
    apply: typeof store.runs.cancelRun;
  }) {
    const { verb, past, allowed, apply } = control;
    router.post(`/runs/:id/${verb}`, async (req, res) => {
      const credentials = await access.credentials(req);
      await access.authorize(credentials, runManagePermission, 'manage runs');
      const body = validBody<CommentRequest>(req);
      const run = await existingRun(req.params.id);
      const actor = await access.authorizeEntities(
        credentials,
        entityRunManagePermission,
        run.entityRefs,
        `${verb} run ${run.id}`,
      );
      const done = await apply({
        id: run.id,
        entry: auditEntry(verb, actor, body.comment),
      });
      if (!done)
        throw new ConflictError(
          `Run ${run.id} is ${run.status}; only ${allowed} runs can be ${past}`,
        );
      if (verb === 'retry') runs.notify();
      logger.info(`Run ${run.id} ${past} by ${actor}`);
      res.json(publicRun(await existingRun(run.id)));
    });
  }
  registerControl({
    verb: 'cancel',
    past: 'cancelled',
    allowed: 'pending or running',
    apply: options => store.runs.cancelRun(options),
  });
  registerControl({
    verb: 'retry',
    past: 'retried',
    allowed: 'failed or cancelled',
    apply: options => store.runs.retryRun(options),
  });

  router.post('/runs/:id/approve', async (req, res) => {
    const credentials = await access.credentials(req);
    await access.authorize(credentials, runApprovePermission, 'approve runs');
    const body = validBody<ApprovalDecisionRequest>(req);
    const decision = body.decision ?? 'approve';
    const run = await existingRun(req.params.id);
    const actor = await access.authorizeEntities(
      credentials,
      entityRunApprovePermission,
      run.entityRefs,
      `decide on run ${run.id}`,
    );
    // The step's approvers, no self-approval, a reason to reject (runs/approvalDecision.ts).
    const checkedStep = await ctx.approvalDecisions.check({
      credentials,
      actor,
      run,
      decision,
      comment: body.comment,
    });
    const done = await store.runs.decideApproval({
      runId: run.id,
      decision,
      entry: auditEntry(decision, actor, body.comment),
      stepId: checkedStep,
    });
    if (!done)
      throw new ConflictError(`Run ${run.id} is not waiting for an approval`);
    // A parked run is runnable again: execute it now, not at the next poll.
    runs.notify();
    logger.info(
      `Run ${run.id} ${
        decision === 'approve' ? 'approved' : 'rejected'
      } by ${actor}`,
    );
    res.json(publicRun(await existingRun(run.id)));
  });
}
