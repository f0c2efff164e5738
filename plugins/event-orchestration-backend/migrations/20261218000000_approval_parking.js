// @ts-check

/**
 * Approvals that park their run (issue 18, finding 4): who may decide
 * (`approvers`, a JSON list of user and group refs; null means anyone with
 * the approve permission) and when the request runs out (`expires_at_ms`,
 * epoch ms), so a run waiting in status `waiting` holds no run slot and the
 * run worker wakes it when nobody decided in time.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('edo_approvals', table => {
    table.text('approvers');
    table.bigInteger('expires_at_ms');
    table.index(['status', 'expires_at_ms'], 'edo_approvals_status_expiry');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('edo_approvals', table => {
    table.dropIndex(['status', 'expires_at_ms'], 'edo_approvals_status_expiry');
    table.dropColumn('approvers');
    table.dropColumn('expires_at_ms');
  });
};
