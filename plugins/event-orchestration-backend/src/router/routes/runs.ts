import { ConflictError, NotFoundError } from '@backstage/errors';
import {
  ApprovalDecisionRequest,
  CommentRequest,
  RunAuditEntry,
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

  router.get('/runs', async (req, res) => {
    const page = await withCursorErrors(() => store.runs.listRuns(req.query));
    res.json({ ...page, items: page.items.map(publicRun) });
  });

  router.get('/runs/:id', async (req, res) => {
    res.json(publicRun(await existingRun(req.params.id)));
  });

  router.post('/runs/:id/cancel', async (req, res) => {
    const actor = await access.authorizeCaller(
      req,
      runManagePermission,
      'manage runs',
    );
    const body = validBody<CommentRequest>(req);
    const run = await existingRun(req.params.id);
    const done = await store.runs.cancelRun({
      id: run.id,
      entry: auditEntry('cancel', actor, body.comment),
    });
    if (!done)
      throw new ConflictError(
        `Run ${run.id} is ${run.status}; only pending or running runs can be cancelled`,
      );
    logger.info(`Run ${run.id} cancelled by ${actor}`);
    res.json(publicRun(await existingRun(run.id)));
  });

  router.post('/runs/:id/retry', async (req, res) => {
    const actor = await access.authorizeCaller(
      req,
      runManagePermission,
      'manage runs',
    );
    const body = validBody<CommentRequest>(req);
    const run = await existingRun(req.params.id);
    const done = await store.runs.retryRun({
      id: run.id,
      entry: auditEntry('retry', actor, body.comment),
    });
    if (!done)
      throw new ConflictError(
        `Run ${run.id} is ${run.status}; only failed or cancelled runs can be retried`,
      );
    runs.notify();
    logger.info(`Run ${run.id} retried by ${actor}`);
    res.json(publicRun(await existingRun(run.id)));
  });

  router.post('/runs/:id/approve', async (req, res) => {
    const actor = await access.authorizeCaller(
      req,
      runApprovePermission,
      'approve runs',
    );
    const body = validBody<ApprovalDecisionRequest>(req);
    const decision = body.decision ?? 'approve';
    const run = await existingRun(req.params.id);
    const done = await store.runs.decideApproval({
      runId: run.id,
      decision,
      entry: auditEntry(decision, actor, body.comment),
    });
    if (!done)
      throw new ConflictError(`Run ${run.id} is not waiting for an approval`);
    logger.info(
      `Run ${run.id} ${
        decision === 'approve' ? 'approved' : 'rejected'
      } by ${actor}`,
    );
    res.json(publicRun(await existingRun(run.id)));
  });
}
