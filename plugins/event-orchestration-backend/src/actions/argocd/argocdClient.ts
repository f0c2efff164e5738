import { Config } from '@backstage/config';
import { z } from 'zod';
import {
  kubernetesName,
  kubernetesNamespace,
} from '../../shared/kubernetesNames';

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

export const TERMINAL_PHASES = ['Succeeded', 'Failed', 'Error'];

export async function argocdRequest(
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

export function statusOf(app: any) {
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

export const applicationInput = {
  application: kubernetesName('Argo CD application name'),
  instance: z
    .string()
    .min(1)
    .optional()
    .describe('Name of a configured Argo CD instance; default the first'),
  appNamespace: kubernetesNamespace()
    .optional()
    .describe('Namespace of the Application resource, if not the default'),
};

export const statusOutput = z.object({
  syncStatus: z.string(),
  health: z.string(),
  phase: z.string(),
  revision: z.string(),
});

/** The instance a step names, default the first. */
export const pickInstance = (instances: ArgoCdInstance[], name?: string) => {
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
/** The `appNamespace` query of an application URL, if any. */
export const namespaceQuery = (appNamespace?: string) =>
  appNamespace ? `?appNamespace=${encodeURIComponent(appNamespace)}` : '';
