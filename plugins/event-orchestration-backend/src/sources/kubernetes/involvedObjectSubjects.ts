import { K8sObject } from '../../shared/kubernetes/clusters';
import { ObjectApi } from './objectApi';
import { linkingLabel } from './toEvents';

const CACHE_TTL_MS = 5 * 60_000;
const CACHE_MAX_ENTRIES = 5_000;

/**
 * The linking label of a core Event's involved object, read from the API once
 * per object and cached for a few minutes: a crash-looping pod emits many
 * Events about the same object.
 */
export class InvolvedObjectSubjects {
  private readonly cache = new Map<
    string,
    { subject: string | undefined; expiresAt: number }
  >();

  constructor(private readonly api: ObjectApi) {}

  async subjectOf(involved: any): Promise<string | undefined> {
    if (!involved?.kind || !involved?.name) return undefined;
    const key =
      involved.uid ?? `${involved.namespace}/${involved.kind}/${involved.name}`;
    const cached = this.cache.get(key);
    if (cached && cached.expiresAt > Date.now()) return cached.subject;
    let subject: string | undefined;
    try {
      const object = await this.api.read<K8sObject>({
        apiVersion: involved.apiVersion ?? 'v1',
        kind: involved.kind,
        metadata: { name: involved.name, namespace: involved.namespace },
      });
      subject = linkingLabel(object);
    } catch {
      // Gone already or not readable with our token: fall back to its name.
    }
    if (this.cache.size > CACHE_MAX_ENTRIES) this.cache.clear();
    this.cache.set(key, { subject, expiresAt: Date.now() + CACHE_TTL_MS });
    return subject;
  }
}
