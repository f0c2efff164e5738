import { LinkConflictsResponse } from '@edo/plugin-event-orchestration-common';
import { ApiRouter, RouteContext } from '../types';

/**
 * `GET /link-conflicts`: subjects several catalog entities claim (issue 18,
 * finding 6), for the Bus tab. Shown to a caller who may read one of the
 * entities involved: the owner of `payments` sees who else claims its subject.
 */
export function registerLinkConflictRoutes(
  router: ApiRouter,
  ctx: RouteContext,
) {
  const { store, access } = ctx;

  router.get('/link-conflicts', async (req, res) => {
    const credentials = await access.credentials(req);
    const conflicts = await store.events.linkConflicts({
      limit: req.query.limit ?? 50,
    });
    const response: LinkConflictsResponse = {
      items: await access.readable(credentials, conflicts, c => c.entityRefs),
    };
    res.json(response);
  });
}
