// @ts-check

/**
 * Debounced fires waiting for events to stop arriving: one row per sensor and
 * group, pushed back by every matching event, fired when it falls due.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('edo_sensor_debounce', table => {
    table.string('sensor', 255).notNullable();
    table.string('group_key', 512).notNullable();
    table.bigInteger('due_at').notNullable(); // epoch ms, wall clock
    table.text('trigger_event_ids').notNullable(); // JSON list
    table.text('entity_refs').notNullable(); // JSON list
    table.primary(['sensor', 'group_key']);
    table.index(['due_at']);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTableIfExists('edo_sensor_debounce');
};
