// @ts-check

/**
 * Run control: onFailure steps are stored after the main steps (phase), and
 * manual actions on a run (retry, cancel, start) are kept with their actor.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('edo_run_steps', table => {
    table.string('phase', 16).notNullable().defaultTo('main'); // main | onFailure
  });
  await knex.schema.alterTable('edo_runs', table => {
    table.text('audit'); // JSON list of {action, actor, at, comment?}
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('edo_run_steps', table => {
    table.dropColumn('phase');
  });
  await knex.schema.alterTable('edo_runs', table => {
    table.dropColumn('audit');
  });
};
