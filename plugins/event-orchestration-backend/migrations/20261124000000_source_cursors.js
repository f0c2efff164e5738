// @ts-check

/**
 * Where each watching source got to (a Kubernetes resourceVersion), so a
 * restarted backend resumes the watch instead of missing what happened.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('edo_source_cursors', table => {
    table.string('source', 500).primary(); // e.g. kubernetes:prod:/api/v1/events
    table.string('cursor', 255).notNullable();
    table.string('updated_at', 40).notNullable();
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTableIfExists('edo_source_cursors');
};
