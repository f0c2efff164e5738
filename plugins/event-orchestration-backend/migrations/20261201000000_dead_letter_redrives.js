// @ts-check

/**
 * Re-drives of dead-lettered events, with who asked for them: a manual action
 * kept like the audit of runs (retry, cancel), whichever bus is in force.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('edo_dead_letter_redrives', table => {
    table.bigIncrements('seq').primary();
    table.string('subscriber', 255).notNullable();
    table.string('event_id', 255).notNullable();
    table.string('event_type', 255).notNullable();
    table.string('actor', 255).notNullable();
    table.string('at', 40).notNullable();
    table.text('comment');
    table.index(['subscriber', 'event_id']);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTableIfExists('edo_dead_letter_redrives');
};
