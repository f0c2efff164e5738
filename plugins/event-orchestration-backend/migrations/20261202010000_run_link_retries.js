// @ts-check

/**
 * Runs a sensor started from an event that was waiting to be linked (see
 * 20261202000000_event_link_retries) and that concern no entity: they get the
 * entities the event is linked to later.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('edo_run_link_retries', table => {
    table.string('run_id', 64).primary();
    table.string('event_id', 255).notNullable();
    table.index(['event_id']);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('edo_run_link_retries');
};
