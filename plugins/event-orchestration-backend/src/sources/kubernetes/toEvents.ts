import { OrchestrationEvent } from '@edo/plugin-event-orchestration-common';
import { K8sObject } from '../../shared/kubernetes/clusters';

/** The labels that link a Kubernetes object to a catalog entity, first present wins. */
const LINKING_LABELS = [
  'backstage.io/kubernetes-id',
  'app.kubernetes.io/name',
  'app',
];

/** The object's linking label value, the event's subject. */
export function linkingLabel(
  object: K8sObject | undefined,
): string | undefined {
  const labels = object?.metadata?.labels ?? {};
  for (const label of LINKING_LABELS) if (labels[label]) return labels[label];
  return undefined;
}

/**
 * A core Event as a `kubernetes.event` event. `subject` is the involved
 * object's linking label (looked up by the caller); its name when there is none.
 */
export function coreEventToEvent(
  cluster: string,
  object: K8sObject,
  involvedSubject: string | undefined,
): OrchestrationEvent | undefined {
  const involved = object.involvedObject ?? object.regarding ?? {};
  const uid = object.metadata?.uid;
  if (!uid) return undefined;
  const subject = involvedSubject ?? involved.name;
  return {
    specversion: '1.0',
    // The resourceVersion (or count) makes each update of the Event its own
    // event, and the copy another replica publishes a duplicate.
    id: `k8s-${cluster}-${uid}-${
      object.metadata?.resourceVersion ?? object.count ?? 0
    }`,
    source: `/kubernetes/${cluster}`,
    type: 'kubernetes.event',
    ...(subject ? { subject } : {}),
    time:
      object.lastTimestamp ??
      object.eventTime ??
      object.metadata?.creationTimestamp ??
      new Date().toISOString(),
    datacontenttype: 'application/json',
    data: {
      cluster,
      namespace: object.metadata?.namespace,
      reason: object.reason,
      message: object.message ?? object.note,
      type: object.type,
      count: object.count ?? 1,
      involvedObject: {
        apiVersion: involved.apiVersion,
        kind: involved.kind,
        name: involved.name,
        namespace: involved.namespace,
        uid: involved.uid,
      },
      firstTimestamp: object.firstTimestamp,
      lastTimestamp: object.lastTimestamp,
      reportingController:
        object.reportingComponent ?? object.source?.component,
    },
    origin: { kind: 'kubernetes', source: cluster },
  };
}

/** A change of a watched resource as a `kubernetes.resource` event. */
export function resourceChangeToEvent(
  cluster: string,
  phase: string,
  object: K8sObject,
): OrchestrationEvent | undefined {
  const uid = object.metadata?.uid;
  if (!uid) return undefined;
  const subject = linkingLabel(object) ?? object.metadata?.name;
  return {
    specversion: '1.0',
    id: `k8s-${cluster}-${uid}-${
      object.metadata?.resourceVersion ?? ''
    }-${phase.toLowerCase()}`,
    source: `/kubernetes/${cluster}`,
    type: 'kubernetes.resource',
    ...(subject ? { subject } : {}),
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    data: {
      cluster,
      change: phase.toLowerCase(),
      apiVersion: object.apiVersion,
      kind: object.kind,
      namespace: object.metadata?.namespace,
      name: object.metadata?.name,
      object: stripManagedFields(object),
    },
    origin: { kind: 'kubernetes', source: cluster },
  };
}

/** managedFields is bookkeeping of the API server: large and of no use to a sensor. */
function stripManagedFields(object: K8sObject) {
  if (!object.metadata?.managedFields) return object;
  const { managedFields: _ignored, ...metadata } = object.metadata;
  return { ...object, metadata };
}
