import { setTimeout as delay } from 'node:timers/promises';
import { Config } from '@backstage/config';
import { createOrchestrationAction } from '@edo/plugin-event-orchestration-node';
import { z } from 'zod';

/** An Argo CD server, `eventOrchestration.argocd.instances[]`. */
export interface ArgoCdInstance {
  name: string;
  baseUrl: string;
  token: string;
}

/** Reads the Argo CD instances; a bad entry stops startup with the key named. */
export function readArgoCdInstances(config: Config): ArgoCdInstance[] {
  return (
    config.getOptionalConfigArray('eventOrchestration.argocd.instances') ?? []
  ).map((entry, i) => {
    const baseUrl = entry.getString('baseUrl').replace(/\/+$/, '');
    if (!/^https?:\/\//.test(baseUrl)) {
      throw new Error(
        `eventOrchestration.argocd.instances[${i}].baseUrl must be an http(s) URL`,
      );
    }
    return {
      name: entry.getString('name'),
      baseUrl,
      token: entry.getString('token'),
    };
  });
}

const TERMINAL_PHASES = ['Succeeded', 'Failed', 'Error'];

async function argocdRequest(
  instance: ArgoCdInstance,
  method: 'GET' | 'POST',
  path: string,
  signal: AbortSignal,
  body?: unknown,
): Promise<any> {
  const response = await fetch(`${instance.baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${instance.token}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
  });
  const text = await response.text();
  if (!response.ok) {
    // Argo CD answers errors as {"error": "...", "message": "..."}
    let message = text.slice(0, 300);
    try {
      const parsed = JSON.parse(text);
      message = parsed.message ?? parsed.error ?? message;
    } catch {
      // keep the text
    }
    throw new Error(
      `Argo CD ${instance.name} answered ${response.status} to ${method} ${path}: ${message}`,
    );
  }
  return text ? JSON.parse(text) : {};
}

function statusOf(app: any) {
  return {
    syncStatus: String(app?.status?.sync?.status ?? 'Unknown'),
    health: String(app?.status?.health?.status ?? 'Unknown'),
    phase: String(app?.status?.operationState?.phase ?? ''),
    revision: String(
      app?.status?.sync?.revision ??
        app?.status?.operationState?.syncResult?.revision ??
        '',
    ),
  };
}

const applicationInput = {
  application: z
    .string()
    .regex(
      /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/,
      'must be an Argo CD application name',
    ),
  instance: z
    .string()
    .min(1)
    .optional()
    .describe('Name of a configured Argo CD instance; default the first'),
  appNamespace: z
    .string()
    .min(1)
    .optional()
    .describe('Namespace of the Application resource, if not the default'),
};

const statusOutput = z.object({
  syncStatus: z.string(),
  health: z.string(),
  phase: z.string(),
  revision: z.string(),
});

/** `argocd:sync` and `argocd:get-status`, through Argo CD's REST API. */
export function createArgoCdActions(
  instances: ArgoCdInstance[],
  options: { pollIntervalMs?: number } = {},
) {
  const pick = (name?: string) => {
    const instance = name ? instances.find(i => i.name === name) : instances[0];
    if (!instance) {
      throw new Error(
        name
          ? `no Argo CD instance named '${name}' (configured: ${
              instances.map(i => i.name).join(', ') || 'none'
            })`
          : 'no Argo CD instance is configured (eventOrchestration.argocd.instances)',
      );
    }
    return instance;
  };
  const query = (appNamespace?: string) =>
    appNamespace ? `?appNamespace=${encodeURIComponent(appNamespace)}` : '';

  const sync = createOrchestrationAction({
    id: 'argocd:sync',
    description:
      'Syncs an Argo CD application; optionally waits until the sync operation has finished.',
    schema: {
      input: z
        .object({
          ...applicationInput,
          revision: z
            .string()
            .min(1)
            .optional()
            .describe('Git revision to sync to; default the target revision'),
          prune: z.boolean().default(false),
          wait: z
            .boolean()
            .default(false)
            .describe(
              'Wait for the operation to finish; a failed sync fails the step',
            ),
        })
        .strict(),
      output: statusOutput,
    },
    async handler(ctx) {
      const instance = pick(ctx.input.instance);
      const path = `/api/v1/applications/${encodeURIComponent(
        ctx.input.application,
      )}`;
      ctx.logger.info(`syncing ${ctx.input.application} on ${instance.name}`);
      let app = await argocdRequest(
        instance,
        'POST',
        `${path}/sync${query(ctx.input.appNamespace)}`,
        ctx.signal,
        {
          ...(ctx.input.revision ? { revision: ctx.input.revision } : {}),
          prune: ctx.input.prune,
          dryRun: false,
          ...(ctx.input.appNamespace
            ? { appNamespace: ctx.input.appNamespace }
            : {}),
        },
      );
      let status = statusOf(app);
      while (ctx.input.wait && !TERMINAL_PHASES.includes(status.phase)) {
        await delay(options.pollIntervalMs ?? 3000, undefined, {
          signal: ctx.signal,
        });
        app = await argocdRequest(
          instance,
          'GET',
          `${path}${query(ctx.input.appNamespace)}`,
          ctx.signal,
        );
        status = statusOf(app);
        ctx.logger.info(
          `operation ${status.phase || 'pending'}, sync ${
            status.syncStatus
          }, health ${status.health}`,
        );
      }
      for (const [name, value] of Object.entries(status))
        ctx.output(name, value);
      if (ctx.input.wait && status.phase !== 'Succeeded') {
        throw new Error(
          `sync of ${ctx.input.application} ended ${status.phase}: ${
            app?.status?.operationState?.message ?? 'no message'
          }`,
        );
      }
    },
  });

  const getStatus = createOrchestrationAction({
    id: 'argocd:get-status',
    description:
      "Reads an Argo CD application's sync status, health and last operation.",
    schema: {
      input: z.object(applicationInput).strict(),
      output: statusOutput,
    },
    async handler(ctx) {
      const instance = pick(ctx.input.instance);
      const app = await argocdRequest(
        instance,
        'GET',
        `/api/v1/applications/${encodeURIComponent(
          ctx.input.application,
        )}${query(ctx.input.appNamespace)}`,
        ctx.signal,
      );
      for (const [name, value] of Object.entries(statusOf(app)))
        ctx.output(name, value);
    },
  });

  return [sync, getStatus];
}
