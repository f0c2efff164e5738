// @ts-check

/**
 * The first schema: the embedded bus, events with their entities and sensor
 * verdicts, and runs with their steps.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  // Embedded bus: one row per published event; ids are unique so re-publishing is a no-op.
  await knex.schema.createTable('edo_bus_messages', table => {
    table.bigIncrements('seq').primary();
    table.string('event_id', 255).notNullable().unique();
    table.string('event_type', 255).notNullable();
    table.text('payload').notNullable();
    table.timestamp('published_at', { useTz: true }).notNullable();
  });
  // Subscribers that exist; a publish creates one delivery for each of them.
  await knex.schema.createTable('edo_bus_consumers', table => {
    table.string('name', 255).primary();
    table.text('event_types');
    table.timestamp('created_at', { useTz: true }).notNullable();
  });
  // Outstanding deliveries per subscriber. A row is deleted when acknowledged.
  await knex.schema.createTable('edo_bus_deliveries', table => {
    table.string('consumer', 255).notNullable();
    table.bigInteger('seq').notNullable();
    table.integer('attempts').notNullable().defaultTo(0);
    table.string('status', 16).notNullable().defaultTo('pending'); // pending | dead
    table.bigInteger('available_at').notNullable(); // epoch ms; redelivery back-off
    table.bigInteger('locked_until'); // epoch ms; lease of the process handling it
    table.string('locked_by', 255);
    table.text('last_error');
    table.primary(['consumer', 'seq']);
    table.index(['consumer', 'status', 'available_at']);
  });

  await knex.schema.createTable('edo_events', table => {
    table.bigIncrements('seq').primary();
    table.string('id', 255).notNullable().unique();
    table.string('type', 255).notNullable();
    table.string('source', 255).notNullable();
    table.string('subject', 255);
    table.string('time', 64).notNullable();
    table.text('envelope').notNullable();
    table.timestamp('received_at', { useTz: true }).notNullable();
    table.index(['type']);
  });
  await knex.schema.createTable('edo_event_entities', table => {
    table.string('event_id', 255).notNullable();
    table.string('entity_ref', 255).notNullable();
    table.primary(['event_id', 'entity_ref']);
    table.index(['entity_ref']);
  });
  await knex.schema.createTable('edo_evaluations', table => {
    table.string('event_id', 255).notNullable();
    table.string('sensor', 255).notNullable();
    table.boolean('matched').notNullable();
    table.text('reason').notNullable();
    table.timestamp('evaluated_at', { useTz: true }).notNullable();
    table.primary(['event_id', 'sensor']);
    table.index(['sensor', 'matched']);
  });

  await knex.schema.createTable('edo_runs', table => {
    table.bigIncrements('seq').primary();
    table.string('id', 64).notNullable().unique();
    table.string('sensor', 255).notNullable();
    // sensor + triggering event ids: a redelivered event never starts a second run
    table.string('idempotency_key', 255).notNullable().unique();
    table.string('status', 16).notNullable();
    table.text('trigger_event_ids').notNullable();
    table.text('workflow').notNullable();
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.timestamp('started_at', { useTz: true });
    table.timestamp('finished_at', { useTz: true });
    table.text('error');
    table.bigInteger('lease_until'); // epoch ms; a crashed replica's runs are resumed
    table.string('lease_owner', 255);
    table.index(['status']);
    table.index(['sensor']);
  });
  await knex.schema.createTable('edo_run_entities', table => {
    table.string('run_id', 64).notNullable();
    table.string('entity_ref', 255).notNullable();
    table.primary(['run_id', 'entity_ref']);
    table.index(['entity_ref']);
  });
  await knex.schema.createTable('edo_run_steps', table => {
    table.string('run_id', 64).notNullable();
    table.integer('position').notNullable();
    table.string('step_id', 255).notNullable();
    table.string('action', 255).notNullable();
    table.string('status', 16).notNullable();
    table.text('input');
    table.text('output');
    table.text('error');
    table.text('logs');
    table.integer('attempts').notNullable().defaultTo(0);
    table.timestamp('started_at', { useTz: true });
    table.timestamp('finished_at', { useTz: true });
    table.primary(['run_id', 'position']);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  for (const table of [
    'edo_run_steps',
    'edo_run_entities',
    'edo_runs',
    'edo_evaluations',
    'edo_event_entities',
    'edo_events',
    'edo_bus_deliveries',
    'edo_bus_consumers',
    'edo_bus_messages',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
};
