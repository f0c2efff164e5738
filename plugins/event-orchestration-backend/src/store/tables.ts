/**
 * Rows of the tables this plugin owns, as the database returns them (see
 * `migrations/`). Timestamps come back as Date on PostgreSQL and as the ISO
 * text we wrote on SQLite; bigint columns as string on PostgreSQL. Each table
 * has one owner, the only class that writes it:
 *
 * | table | owner |
 * | --- | --- |
 * | edo_events, edo_event_entities, edo_event_link_retries | EventStore |
 * | edo_evaluations | EvaluationStore |
 * | edo_runs, edo_run_steps, edo_run_entities, edo_run_link_retries, edo_approvals | RunStore |
 * | edo_sensor_groups, edo_sensor_dependency_events, edo_sensor_window_events, edo_sensor_fires, edo_sensor_debounce | CorrelationStore |
 * | edo_dead_letter_redrives | DeadLetterStore |
 * | edo_source_cursors, edo_schedule_state | SourceStateStore |
 *
 * The embedded bus keeps its `edo_bus_*` tables to itself (bus/EmbeddedEventBus.ts).
 */

/** A timestamp column: Date (PostgreSQL) or ISO text (SQLite). */
export type DbTimestamp = Date | string;
/** A bigint column: number (SQLite) or its text (PostgreSQL). */
export type DbBigInt = number | string;

export interface DbEventRow {
  seq: DbBigInt;
  id: string;
  type: string;
  source: string;
  subject: string | null;
  time: string;
  /** The event as JSON, secrets redacted. */
  envelope: string;
  received_at: DbTimestamp;
}

export interface DbEventEntityRow {
  event_id: string;
  entity_ref: string;
}

/** Why an event waits to be linked to an entity by its subject. */
export type LinkRetryReason = 'catalog-unreachable' | 'no-entity';

export interface DbEventLinkRetryRow {
  event_id: string;
  subject: string;
  reason: LinkRetryReason;
  attempts: number;
  received_at_ms: DbBigInt;
  next_attempt_at_ms: DbBigInt;
}

export interface DbEvaluationRow {
  event_id: string;
  sensor: string;
  matched: boolean | number;
  /** matched | not-matched | pending | cooled-down | rate-limited | resolved */
  status: string;
  reason: string;
  evaluated_at: DbTimestamp;
}

export interface DbRunRow {
  seq: DbBigInt;
  id: string;
  sensor: string;
  idempotency_key: string;
  status: string;
  /** JSON list of event ids. */
  trigger_event_ids: string;
  /** JSON map of dependency name → event id. */
  trigger_dependencies: string | null;
  /** JSON list of steps: main steps, then onFailure steps. */
  workflow: string;
  /** JSON list of {action, actor, at, comment?}. */
  audit: string | null;
  group_key: string | null;
  created_at: DbTimestamp;
  started_at: DbTimestamp | null;
  finished_at: DbTimestamp | null;
  error: string | null;
  /** Epoch ms; a crashed replica's runs are resumed after it. */
  lease_until: DbBigInt | null;
  lease_owner: string | null;
}

export interface DbRunStepRow {
  run_id: string;
  position: number;
  step_id: string;
  action: string;
  /** main | onFailure */
  phase: string;
  status: string;
  input: string | null;
  output: string | null;
  error: string | null;
  logs: string | null;
  attempts: number;
  started_at: DbTimestamp | null;
  finished_at: DbTimestamp | null;
}

export interface DbRunEntityRow {
  run_id: string;
  entity_ref: string;
}

export interface DbRunLinkRetryRow {
  run_id: string;
  event_id: string;
}

export type ApprovalStatus = 'waiting' | 'approved' | 'rejected';

export interface DbApprovalRow {
  run_id: string;
  step_id: string;
  status: ApprovalStatus;
  prompt: string;
  decided_by: string | null;
  comment: string | null;
  requested_at: DbTimestamp;
  decided_at: DbTimestamp | null;
  /** JSON list of user and group refs who may decide; null: anyone permitted. */
  approvers: string | null;
  /** Epoch ms when the request runs out; null for requests made before it was stored. */
  expires_at_ms: DbBigInt | null;
}

export interface DbSensorGroupRow {
  sensor: string;
  group_key: string;
}

export interface DbSensorDependencyEventRow {
  sensor: string;
  group_key: string;
  dependency: string;
  event_id: string;
  /** Epoch ms when the backend received the event. */
  event_time: DbBigInt;
}

export interface DbSensorWindowEventRow {
  sensor: string;
  group_key: string;
  event_id: string;
  event_time: DbBigInt;
}

export interface DbSensorFireRow {
  id: DbBigInt;
  sensor: string;
  group_key: string;
  /** Epoch ms (receive time of the firing event, or the debounce's due time). */
  fired_at: DbBigInt;
}

export interface DbSensorDebounceRow {
  sensor: string;
  group_key: string;
  /** Epoch ms, wall clock. */
  due_at: DbBigInt;
  /** JSON list of event ids. */
  trigger_event_ids: string;
  /** JSON list of entity refs. */
  entity_refs: string;
}

export interface DbDeadLetterRedriveRow {
  seq: DbBigInt;
  subscriber: string;
  event_id: string;
  event_type: string;
  actor: string;
  /** ISO time. */
  at: string;
  comment: string | null;
}

export interface DbSourceCursorRow {
  /** e.g. kubernetes:prod:v1/Event */
  source: string;
  cursor: string;
  updated_at: string;
}

export interface DbScheduleStateRow {
  name: string;
  /** Epoch ms of the last emitted tick. */
  last_tick: DbBigInt;
}
