// @ts-check

/**
 * Events whose subject could not be linked to a catalog entity when they were
 * recorded — the catalog did not answer, or knew no entity by that name yet (a
 * component registered moments after its first event) — and when to try again.
 * Times are epoch milliseconds, compared the same way on SQLite and PostgreSQL.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('edo_event_link_retries', table => {
    table.string('event_id', 255).primary();
    table.string('subject', 255).notNullable();
    table.string('reason', 32).notNullable();
    table.integer('attempts').notNullable().defaultTo(0);
    table.bigInteger('received_at_ms').notNullable();
    table.bigInteger('next_attempt_at_ms').notNullable();
    table.index(['next_attempt_at_ms']);
    table.index(['subject']);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('edo_event_link_retries');
};
