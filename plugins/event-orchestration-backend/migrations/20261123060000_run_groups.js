// @ts-check

/**
 * The correlation group a run was started for, so that a resolving event can
 * cancel the runs of its group that are still waiting.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('edo_runs', table => {
    table.string('group_key', 512);
    table.index(['sensor', 'group_key']);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('edo_runs', table => {
    table.dropIndex(['sensor', 'group_key']);
    table.dropColumn('group_key');
  });
};
