// @ts-check

/**
 * Approvals that runs wait for (approval:wait), decided through
 * POST /runs/:id/approve.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('edo_approvals', table => {
    table.string('run_id', 64).notNullable();
    table.string('step_id', 255).notNullable();
    table.string('status', 16).notNullable(); // waiting | approved | rejected
    table.text('prompt').notNullable();
    table.string('decided_by', 255);
    table.text('comment');
    table.timestamp('requested_at', { useTz: true }).notNullable();
    table.timestamp('decided_at', { useTz: true });
    table.primary(['run_id', 'step_id']);
    table.index(['status']);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTableIfExists('edo_approvals');
};
