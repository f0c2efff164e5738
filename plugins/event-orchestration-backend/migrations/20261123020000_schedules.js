// @ts-check

/**
 * The last tick each schedule emitted, so that ticks missed while every
 * backend was down can be caught up (or knowingly skipped).
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('edo_schedule_state', table => {
    table.string('name', 255).primary();
    table.bigInteger('last_tick').notNullable(); // epoch ms of the last emitted tick
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTableIfExists('edo_schedule_state');
};
