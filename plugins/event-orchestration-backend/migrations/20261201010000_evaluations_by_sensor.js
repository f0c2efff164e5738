// @ts-check

/**
 * A sensor's newest verdicts (GET /sensors/:name/verdicts) without sorting all
 * of its evaluations.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('edo_evaluations', table => {
    table.index(['sensor', 'evaluated_at'], 'edo_evaluations_sensor_time');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('edo_evaluations', table => {
    table.dropIndex(['sensor', 'evaluated_at'], 'edo_evaluations_sensor_time');
  });
};
