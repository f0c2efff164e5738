// @ts-check

/**
 * Correlation state of sensors, shared by every replica: matched dependencies
 * waiting for their conditions, aggregation windows, and when runs fired (for
 * cooldowns and rate limits). A row per (sensor, group) in edo_sensor_groups is
 * locked while one event is correlated, so two replicas agree.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('edo_sensor_groups', table => {
    table.string('sensor', 255).notNullable();
    table.string('group_key', 512).notNullable();
    table.primary(['sensor', 'group_key']);
  });
  await knex.schema.createTable('edo_sensor_dependency_events', table => {
    table.string('sensor', 255).notNullable();
    table.string('group_key', 512).notNullable();
    table.string('dependency', 255).notNullable();
    table.string('event_id', 255).notNullable();
    table.bigInteger('event_time').notNullable(); // epoch ms of the event's `time`
    table.primary(['sensor', 'group_key', 'dependency']);
  });
  await knex.schema.createTable('edo_sensor_window_events', table => {
    table.string('sensor', 255).notNullable();
    table.string('group_key', 512).notNullable();
    table.string('event_id', 255).notNullable();
    table.bigInteger('event_time').notNullable();
    table.primary(['sensor', 'group_key', 'event_id']);
  });
  await knex.schema.createTable('edo_sensor_fires', table => {
    table.bigIncrements('id').primary();
    table.string('sensor', 255).notNullable();
    table.string('group_key', 512).notNullable();
    table.bigInteger('fired_at').notNullable(); // event time of the firing event
    table.index(['sensor', 'fired_at']);
  });
  await knex.schema.alterTable('edo_evaluations', table => {
    // matched | not-matched | pending | cooled-down | rate-limited | resolved
    table.string('status', 16).notNullable().defaultTo('not-matched');
  });
  await knex('edo_evaluations')
    .where({ matched: true })
    .update({ status: 'matched' });
  await knex.schema.alterTable('edo_runs', table => {
    // JSON map of dependency name → the event that satisfied it
    table.text('trigger_dependencies');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('edo_runs', table => {
    table.dropColumn('trigger_dependencies');
  });
  await knex.schema.alterTable('edo_evaluations', table => {
    table.dropColumn('status');
  });
  for (const table of [
    'edo_sensor_fires',
    'edo_sensor_window_events',
    'edo_sensor_dependency_events',
    'edo_sensor_groups',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
};
