import { Entity, stringifyLocationRef } from '@backstage/catalog-model';
import { ResponseError } from '@backstage/errors';
import { PluginRequestServices, requestPlugin } from '../pluginRequest';

/** A location as the catalog's REST API returns it. */
export interface CatalogLocation {
  id: string;
  type: string;
  target: string;
}

/**
 * The two location calls of the catalog's REST API (`POST /locations`,
 * `GET /locations`), made as the backend itself with the step's abort signal.
 * Backstage's CatalogService takes no signal, so a hung catalog would hold the
 * step's request open after the step timed out; these requests are cancelled
 * on the wire. Errors are `ResponseError`s, as the catalog client throws them.
 */
export class CatalogLocations {
  constructor(
    private readonly discovery: PluginRequestServices['discovery'],
    private readonly auth: PluginRequestServices['auth'],
  ) {}

  async addLocation(
    location: { target: string; dryRun?: boolean },
    signal: AbortSignal,
  ): Promise<{ location: CatalogLocation; entities: Entity[] }> {
    const response = await this.request(
      `/locations${location.dryRun ? '?dryRun=true' : ''}`,
      signal,
      {
        method: 'POST',
        body: JSON.stringify({ type: 'url', target: location.target }),
      },
    );
    if (response.status !== 201)
      throw await ResponseError.fromResponse(response);
    return response.json();
  }

  async getLocationByRef(
    locationRef: string,
    signal: AbortSignal,
  ): Promise<CatalogLocation | undefined> {
    const response = await this.request('/locations', signal);
    if (!response.ok) throw await ResponseError.fromResponse(response);
    const all = (await response.json()) as Array<{ data: CatalogLocation }>;
    return all
      .map(row => row.data)
      .find(l => stringifyLocationRef(l) === locationRef);
  }

  private request(path: string, signal: AbortSignal, init: RequestInit = {}) {
    return requestPlugin(
      { discovery: this.discovery, auth: this.auth },
      'catalog',
      path,
      signal,
      init,
    );
  }
}
