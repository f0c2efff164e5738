import { AuthService, DiscoveryService } from '@backstage/backend-plugin-api';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { createOrchestrationAction } from '@edo/plugin-event-orchestration-node';
import { z } from 'zod';
import { CatalogLocations } from './catalogLocations';
import { examples } from './catalogRegisterAction.examples';

/** The catalog's own words, from its error body when it sent one. */
const reason = (error: unknown) =>
  (error as { body?: { error?: { message?: string } } })?.body?.error
    ?.message ?? (error as Error).message;

const isConflict = (error: unknown) =>
  (error as { name?: string })?.name === 'ConflictError' ||
  (error as { response?: { status?: number } })?.response?.status === 409;

/**
 * `catalog:register`: registers a catalog-info.yaml URL as a catalog location
 * (as the backend itself, through Backstage's catalog service), so a freshly
 * provisioned application gets its entity and with it its Events tab.
 * Registering a location that is already registered is not an error: the step
 * reports the existing location, so a retried step does the same as the first.
 * Every catalog request carries the step's abort signal.
 */
export function createCatalogRegisterAction(options: {
  discovery: Pick<DiscoveryService, 'getBaseUrl'>;
  auth: Pick<AuthService, 'getOwnServiceCredentials' | 'getPluginRequestToken'>;
}) {
  const catalog = new CatalogLocations(options.discovery, options.auth);
  return createOrchestrationAction({
    id: 'catalog:register',
    description:
      'Registers a catalog-info.yaml URL as a catalog location and reports the entities it holds; an already registered location is reported as it is.',
    examples,
    schema: {
      input: z
        .object({
          target: z
            .string()
            .url()
            .describe(
              'URL of the catalog-info.yaml, readable by the catalog (an integration host or backend.reading.allow)',
            ),
        })
        .strict(),
      output: z.object({
        locationId: z.string(),
        entityRefs: z.array(z.string()),
        entityRef: z
          .string()
          .describe('The first entity of the location that is not a Location'),
        alreadyRegistered: z.boolean(),
      }),
    },
    async handler(ctx) {
      const { target } = ctx.input;
      // A dry run first: the catalog reads the file and names its entities, so
      // a file it cannot read or parse fails the step with nothing registered.
      let preview;
      try {
        preview = await catalog.addLocation(
          { target, dryRun: true },
          ctx.signal,
        );
      } catch (error) {
        throw new Error(
          `the catalog cannot register ${target}: ${reason(error)}`,
        );
      }
      let locationId: string;
      let alreadyRegistered = false;
      try {
        const added = await catalog.addLocation({ target }, ctx.signal);
        locationId = added.location.id;
      } catch (error) {
        if (!isConflict(error)) {
          throw new Error(
            `the catalog refused location ${target}: ${reason(error)}`,
          );
        }
        const existing = await catalog.getLocationByRef(
          `url:${target}`,
          ctx.signal,
        );
        if (!existing) throw error;
        locationId = existing.id;
        alreadyRegistered = true;
      }
      // The catalog adds a generated Location entity for the URL itself.
      const held = preview.entities.filter(
        e =>
          !(e.kind === 'Location' && e.metadata.name.startsWith('generated-')),
      );
      const entityRefs = held.map(e => stringifyEntityRef(e));
      const entityRef =
        held
          .filter(e => e.kind !== 'Location')
          .map(e => stringifyEntityRef(e))[0] ?? '';
      ctx.logger.info(
        `${
          alreadyRegistered ? 'already registered' : 'registered'
        } ${target} (location ${locationId}): ${
          entityRefs.join(', ') || 'no entities'
        }`,
      );
      ctx.output('locationId', locationId);
      ctx.output('entityRefs', entityRefs);
      ctx.output('entityRef', entityRef);
      ctx.output('alreadyRegistered', alreadyRegistered);
    },
  });
}
