import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory from 'knex';
import { webhookRows } from './ingest.bench';
async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prof-'));
  const knex = knexFactory({ client: 'better-sqlite3', connection: { filename: path.join(dir, 'x.sqlite') }, useNullAsDefault: true });
  await knex.migrate.latest({ directory: path.resolve(__dirname, '../plugins/event-orchestration-backend/migrations') });
  const rows = await webhookRows('sqlite', knex, {}, async () => Number((await knex('edo_bus_messages').count({ n: '*' }))[0].n));
  console.log(rows);
  process.exit(0);
}
main();
