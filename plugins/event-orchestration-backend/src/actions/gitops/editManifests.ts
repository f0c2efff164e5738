import {
  Document,
  isMap,
  isSeq,
  parseAllDocuments,
  YAMLMap,
  YAMLSeq,
} from 'yaml';

/** Result of editing a manifest file's text. */
export interface ManifestEdit {
  text: string;
  /** What was changed, for the step log; empty when the file already had it. */
  changes: string[];
}

function parse(text: string): Document[] {
  const docs = parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [docs];
  for (const doc of list) {
    if (doc.errors.length)
      throw new Error(
        `the file is not valid YAML: ${doc.errors[0].message.split('\n')[0]}`,
      );
  }
  return list as Document[];
}

function render(docs: Document[]) {
  return docs.map(d => d.toString({ lineWidth: 0 })).join('');
}

/** The image name without tag or digest: `ghcr.io/acme/app:v1` → `ghcr.io/acme/app`. */
export function imageName(reference: string): string {
  const withoutDigest = reference.split('@')[0];
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.indexOf(':', lastSlash + 1);
  return colon >= 0 ? withoutDigest.slice(0, colon) : withoutDigest;
}

/** Every `containers` / `initContainers` list of a workload, whatever its kind. */
function containerLists(node: unknown, found: YAMLSeq[] = []): YAMLSeq[] {
  if (isMap(node)) {
    for (const pair of (node as YAMLMap).items) {
      const key = String((pair.key as any)?.value ?? pair.key);
      if (
        (key === 'containers' || key === 'initContainers') &&
        isSeq(pair.value)
      ) {
        found.push(pair.value as YAMLSeq);
      } else {
        containerLists(pair.value, found);
      }
    }
  } else if (isSeq(node)) {
    for (const item of (node as YAMLSeq).items) containerLists(item, found);
  }
  return found;
}

/**
 * Sets the tag of `image` in container `image:` fields, in a kustomization's
 * `images[].newTag`, or at a Helm values path — keeping comments and layout.
 */
export function setImage(
  text: string,
  options: { image: string; tag: string; valuesPath?: string },
): ManifestEdit {
  const docs = parse(text);
  const changes: string[] = [];
  let found = false;
  for (const doc of docs) {
    if (options.valuesPath) {
      const path = options.valuesPath.split('.');
      if (doc.hasIn(path)) {
        found = true;
        if (String(doc.getIn(path)) !== options.tag) {
          doc.setIn(path, options.tag);
          changes.push(`${options.valuesPath}: ${options.tag}`);
        }
      }
      continue;
    }
    const images = doc.get('images');
    if (doc.get('kind') === 'Kustomization' || isSeq(images)) {
      for (const entry of (isSeq(images) ? images.items : []) as YAMLMap[]) {
        if (isMap(entry) && entry.get('name') === options.image) {
          found = true;
          if (String(entry.get('newTag')) !== options.tag) {
            entry.set('newTag', options.tag);
            changes.push(`images[${options.image}].newTag: ${options.tag}`);
          }
        }
      }
    }
    for (const list of containerLists(doc.contents)) {
      for (const container of list.items as YAMLMap[]) {
        const current = isMap(container) ? container.get('image') : undefined;
        if (
          typeof current === 'string' &&
          imageName(current) === options.image
        ) {
          found = true;
          const next = `${options.image}:${options.tag}`;
          if (current !== next) {
            container.set('image', next);
            changes.push(
              `${container.get('name') ?? 'container'}: ${current} → ${next}`,
            );
          }
        }
      }
    }
  }
  if (!found) {
    throw new Error(
      options.valuesPath
        ? `values path '${options.valuesPath}' is not in the file`
        : `no container image, kustomize image or values entry named '${options.image}' in the file`,
    );
  }
  return { text: changes.length ? render(docs) : text, changes };
}

/** Sets or increments `spec.replicas` of the workloads in the file, capped at `max`. */
export function setReplicas(
  text: string,
  options: {
    replicas?: number;
    increment?: number;
    max?: number;
    name?: string;
  },
): ManifestEdit & { replicas: number } {
  const docs = parse(text);
  const changes: string[] = [];
  let result: number | undefined;
  for (const doc of docs) {
    if (!doc.hasIn(['spec', 'replicas'])) continue;
    const name = doc.getIn(['metadata', 'name']);
    if (options.name && name !== options.name) continue;
    const current = Number(doc.getIn(['spec', 'replicas']));
    let next = options.replicas ?? current + (options.increment ?? 0);
    if (options.max !== undefined) next = Math.min(next, options.max);
    next = Math.max(0, Math.floor(next));
    result = next;
    if (next !== current) {
      doc.setIn(['spec', 'replicas'], next);
      changes.push(`${doc.get('kind')}/${name}: replicas ${current} → ${next}`);
    }
  }
  if (result === undefined) {
    throw new Error(
      `no workload with spec.replicas${
        options.name ? ` named '${options.name}'` : ''
      } in the file`,
    );
  }
  return {
    text: changes.length ? render(docs) : text,
    changes,
    replicas: result,
  };
}

/**
 * A manifest file written from objects through the YAML document model: a
 * string value such as `"1\nkind: Secret"` is emitted as one quoted scalar,
 * never as lines of its own (what text templating into YAML would do).
 */
export function manifestText(
  manifest: Record<string, unknown> | Array<Record<string, unknown>>,
): string {
  const objects = Array.isArray(manifest) ? manifest : [manifest];
  return objects
    .map(object => new Document(object).toString({ lineWidth: 0 }))
    .join('---\n');
}
