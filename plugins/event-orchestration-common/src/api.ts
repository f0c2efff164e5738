import { OrchestrationEvent } from './events';
import { RunStatus, StepStatus } from './runs';
import { SensorSpec, SensorSpecIssue } from './sensors/sensorSpec';

/** Every list endpoint answers with one page and, when more exist, a cursor. @public */
export interface ListResponse<T> {
  items: T[];
  nextCursor?: string;
}

/** An event as stored, with the entities it concerns. @public */
export interface StoredEvent {
  event: OrchestrationEvent;
  receivedAt: string;
  entityRefs: string[];
  /** Names of the sensors that matched it. */
  matchedSensors: string[];
}

/**
 * How a sensor's evaluation of an event ended: `pending` waits for more events;
 * `cooled-down` and `rate-limited` were held back; `resolved` cleared pending state.
 *
 * @public
 */
export type EvaluationStatus =
  | 'matched'
  | 'not-matched'
  | 'pending'
  | 'cooled-down'
  | 'rate-limited'
  | 'resolved';

/** A sensor's verdict on one event, with the reason. @public */
export interface SensorEvaluation {
  sensor: string;
  matched: boolean;
  status: EvaluationStatus;
  reason: string;
  evaluatedAt: string;
}

/** `GET /sensors/:name/verdicts`: a sensor's verdict with the event it evaluated. @public */
export interface SensorVerdict {
  eventId: string;
  eventType: string;
  subject?: string;
  status: EvaluationStatus;
  reason: string;
  evaluatedAt: string;
}

/** One step of a run. @public */
export interface RunStep {
  id: string;
  action: string;
  /** `onFailure` steps run only after a step failed. */
  phase: 'main' | 'onFailure';
  status: StepStatus;
  input?: unknown;
  output?: Record<string, unknown>;
  error?: string;
  /** Lines the action logged. */
  logs?: string[];
  attempts: number;
  startedAt?: string;
  finishedAt?: string;
}

/** A workflow run started by a sensor. @public */
export interface Run {
  id: string;
  sensor: string;
  status: RunStatus;
  triggerEventIds: string[];
  entityRefs: string[];
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  error?: string;
  steps: RunStep[];
  /** Manual actions on the run, oldest first. */
  audit: RunAuditEntry[];
  /** Set while the run waits at an approval:wait step. */
  pendingApproval?: {
    stepId: string;
    prompt: string;
    requestedAt: string;
    /** When the request runs out (the step's `timeout`). */
    expiresAt?: string;
    /**
     * User and group refs who may decide, resolved when the step asked (its
     * `approvers`); absent when the step named none: anyone with the approve
     * permission may. The run's actor may not, unless
     * eventOrchestration.approvals.allowSelfApproval is on.
     */
    approvers?: string[];
  };
}

/** Who did what to a run by hand. @public */
export interface RunAuditEntry {
  action: 'start' | 'retry' | 'cancel' | 'approve' | 'reject';
  /** Entity ref of the user, or `service:<name>`. */
  actor: string;
  at: string;
  comment?: string;
}

/** `GET /events/:id`. @public */
export interface EventDetails extends StoredEvent {
  evaluations: SensorEvaluation[];
  runs: Run[];
}

/** A sensor definition that failed to load. @public */
export interface SensorLoadError {
  /** Where it came from: `app-config` or a file path. */
  source: string;
  /** The sensor's name when it could be read. */
  sensor?: string;
  issues: SensorSpecIssue[];
}

/** `GET /sensors`. @public */
export interface SensorSummary {
  name: string;
  description?: string;
  owner?: string;
  source: string;
  spec: SensorSpec;
  counters: { evaluated: number; matched: number; runsStarted: number };
  lastMatchAt?: string;
}

/** `GET /sensors` answers with the loaded sensors and those that failed. @public */
export interface SensorsResponse extends ListResponse<SensorSummary> {
  errors: SensorLoadError[];
}

/**
 * `GET /health` with a user or service token; without one it answers
 * `{ status: 'ok' }` (or 503 when the database does not answer). @public
 */
export interface HealthResponse {
  status: 'ok' | 'degraded';
  bus: {
    type: 'embedded' | 'nats';
    connected: boolean;
    /** NATS: the JetStream stream holding the events. */
    stream?: string;
    consumers: Array<{
      name: string;
      /** Messages not yet delivered. */
      pending: number;
      /** Messages delivered and not yet acknowledged. */
      ackPending: number;
      deadLettered: number;
    }>;
  };
  sensors: { loaded: number; failed: number };
  /**
   * Events waiting to be linked to catalog entities by their subject: the
   * catalog did not answer when last asked (`catalogUnreachable`), or knew no
   * entity by that name yet (`unknownSubject`).
   */
  linking?: { catalogUnreachable: number; unknownSubject: number };
  /**
   * What the replica that answered does besides accepting events: evaluate them
   * against sensors, execute runs (`eventOrchestration.sensorEngine.enabled`,
   * `eventOrchestration.runs.enabled`).
   */
  replica?: { sensorEngine: boolean; runs: boolean };
  /** Watching sources (Kubernetes): connected or not, and where they are. */
  watches?: Array<{
    source: string;
    connected: boolean;
    resourceVersion?: string;
    lastError?: string;
  }>;
  /** When bus and linking were measured: they are reused for up to 5 s. */
  checkedAt?: string;
}

/** An event a subscriber gave up on after its last allowed delivery. @public */
export interface DeadLetter {
  /** The subscriber (consumer) name that failed on it. */
  subscriber: string;
  eventId: string;
  eventType: string;
  subject?: string;
  /** Deliveries made before it was dead-lettered, when the bus knows. */
  attempts?: number;
  /** The handler's last error, when the bus knows. */
  lastError?: string;
  /** ISO time it was dead-lettered. */
  deadLetteredAt: string;
}

/** `GET /dead-letters`. @public */
export interface DeadLettersResponse {
  items: DeadLetter[];
}

/** A dead letter delivered again to its subscriber by hand. @public */
export interface DeadLetterRedrive {
  subscriber: string;
  eventId: string;
  eventType: string;
  /** Entity ref of the user, or `service:<name>`. */
  actor: string;
  at: string;
  comment?: string;
}

/** `POST /dead-letters/:subscriber/:eventId/redrive` answers with the record of the re-drive. @public */
export type DeadLetterRedriveResponse = DeadLetterRedrive;

/** `POST /webhooks/:source` answers 202 with the ids of the events it made durable. @public */
export interface WebhookResponse {
  eventIds: string[];
}

/**
 * One verdict of `POST /sensors/test` (a dry run: no state change, no run).
 *
 * @public
 */
export interface SensorTestResult {
  eventId: string;
  matched: boolean;
  status:
    | 'matched'
    | 'not-matched'
    | 'pending'
    | 'rate-limited'
    | 'cooled-down'
    | string;
  reason: string;
  /** When matched: the steps as they would run, inputs rendered (secrets redacted). */
  steps?: Array<{
    id: string;
    action: string;
    input?: unknown;
    error?: string;
  }>;
}

/** @public */
export interface SensorTestResponse {
  results: SensorTestResult[];
}

/** Query of `GET /events`. @public */
export interface ListEventsRequest {
  entityRef?: string;
  type?: string;
  /** ISO time: only events received since then. */
  since?: string;
  limit?: number;
  cursor?: string;
}

/** Query of `GET /runs`. @public */
export interface ListRunsRequest {
  entityRef?: string;
  sensor?: string;
  status?: RunStatus;
  /** ISO time: only runs created since then. */
  since?: string;
  limit?: number;
  cursor?: string;
}

/** Query of `GET /sensors/:name/verdicts`; `limit` defaults to 20. @public */
export interface ListSensorVerdictsRequest {
  limit?: number;
}

/** Query of `GET /dead-letters`. @public */
export interface ListDeadLettersRequest {
  subscriber?: string;
  limit?: number;
}

/**
 * A subject that several catalog entities claim (`GET /link-conflicts`):
 * its events are linked to all of them, and steps or notifications that need
 * one entity refuse to guess. @public
 */
export interface LinkConflict {
  /** The subject the entities claim (an annotation or a name equal to it). */
  subject: string;
  /** Every entity the recent events with this subject were linked to. */
  entityRefs: string[];
  /** How many recent events were linked to more than one entity. */
  events: number;
  lastEventId: string;
  lastSeenAt: string;
}

/** `GET /link-conflicts`. @public */
export interface LinkConflictsResponse {
  items: LinkConflict[];
}

/** Query of `GET /dead-letters/redrives`. @public */
export interface ListRedrivesRequest {
  subscriber?: string;
  eventId?: string;
  limit?: number;
}

/** `GET /dead-letters/redrives`: re-drives done by hand, newest first. @public */
export interface RedrivesResponse {
  items: DeadLetterRedrive[];
}

/** Body of `POST /events`: what a portal user or a service may publish. @public */
export interface PublishEventRequest {
  /** Dotted lower-case, like `portal.provisioning.requested`. */
  type: string;
  subject?: string;
  entityRef?: string;
  correlationId?: string;
  /** A JSON object (default `{}`); anything else is refused with 400. */
  data?: unknown;
}

/**
 * `POST /events` answers 201 with the id of the published event. A type, not
 * an interface, so it stays assignable to `JsonValue` (scaffolder checkpoints).
 *
 * @public
 */
export type PublishEventResponse = { id: string };

/** Body of `POST /runs/:id/cancel`, `/retry` and `POST /dead-letters/.../redrive`. @public */
export interface CommentRequest {
  comment?: string;
}

/**
 * Body of `POST /runs/:id/approve`; `decision` defaults to `approve`. A
 * rejection needs a `comment` (the reason), which the run's audit and its
 * failed step keep. @public
 */
export interface ApprovalDecisionRequest {
  decision?: 'approve' | 'reject';
  comment?: string;
}

/** Body of `POST /actions/:id/runs`. @public */
export interface RunActionRequest {
  /** Checked against the action's input schema; default `{}`. */
  input?: Record<string, unknown>;
  entityRef?: string;
  /** Same key, same run: retrying a request starts nothing new. */
  idempotencyKey?: string;
}

/**
 * Body of `POST /sensors/test`: exactly one of `sensor` (a definition) and
 * `sensorName` (a loaded sensor), and exactly one of `event`, `eventId` and
 * `events`. An event is a stored event's id or a pasted CloudEvent, whose
 * missing attributes get defaults.
 *
 * @public
 */
export interface SensorTestRequest {
  sensor?: unknown;
  sensorName?: string;
  event?: unknown;
  eventId?: string;
  events?: unknown[];
}

/** A registered action with the JSON Schema of its input and output. @public */
export interface ActionSummary {
  id: string;
  description?: string;
  schema: { input: object; output?: object };
  /**
   * Whether `POST /actions/:id/runs` may start it: listed in
   * `eventOrchestration.actions.manual.allowed`. Sensors may call any action.
   */
  runnableByHand: boolean;
}

/** `GET /actions`. @public */
export interface ActionsResponse {
  items: ActionSummary[];
}
