// @ts-check

/**
 * What the retention task (src/retention) selects by: the time a row stops
 * being needed, and the event ids that correlation state still holds, so each
 * chunk is found through an index instead of a scan of the whole table.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('edo_events', table => {
    table.index(['received_at'], 'edo_events_received_at');
  });
  await knex.schema.alterTable('edo_evaluations', table => {
    table.index(['evaluated_at'], 'edo_evaluations_evaluated_at');
  });
  await knex.schema.alterTable('edo_runs', table => {
    table.index(['finished_at'], 'edo_runs_finished_at');
  });
  await knex.schema.alterTable('edo_sensor_fires', table => {
    table.index(['fired_at'], 'edo_sensor_fires_fired_at');
  });
  await knex.schema.alterTable('edo_sensor_dependency_events', table => {
    table.index(['event_time'], 'edo_sensor_dependency_events_time');
    table.index(['event_id'], 'edo_sensor_dependency_events_event');
  });
  await knex.schema.alterTable('edo_sensor_window_events', table => {
    table.index(['event_time'], 'edo_sensor_window_events_time');
    table.index(['event_id'], 'edo_sensor_window_events_event');
  });
  await knex.schema.alterTable('edo_dead_letter_redrives', table => {
    table.index(['at'], 'edo_dead_letter_redrives_at');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('edo_dead_letter_redrives', table => {
    table.dropIndex(['at'], 'edo_dead_letter_redrives_at');
  });
  await knex.schema.alterTable('edo_sensor_window_events', table => {
    table.dropIndex(['event_id'], 'edo_sensor_window_events_event');
    table.dropIndex(['event_time'], 'edo_sensor_window_events_time');
  });
  await knex.schema.alterTable('edo_sensor_dependency_events', table => {
    table.dropIndex(['event_id'], 'edo_sensor_dependency_events_event');
    table.dropIndex(['event_time'], 'edo_sensor_dependency_events_time');
  });
  await knex.schema.alterTable('edo_sensor_fires', table => {
    table.dropIndex(['fired_at'], 'edo_sensor_fires_fired_at');
  });
  await knex.schema.alterTable('edo_runs', table => {
    table.dropIndex(['finished_at'], 'edo_runs_finished_at');
  });
  await knex.schema.alterTable('edo_evaluations', table => {
    table.dropIndex(['evaluated_at'], 'edo_evaluations_evaluated_at');
  });
  await knex.schema.alterTable('edo_events', table => {
    table.dropIndex(['received_at'], 'edo_events_received_at');
  });
};
