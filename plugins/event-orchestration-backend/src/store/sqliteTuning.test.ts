import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory from 'knex';
import { mockServices } from '@backstage/backend-test-utils';
import { tuneSqlite } from './sqliteTuning';

describe('tuneSqlite', () => {
  it('puts a SQLite file into WAL mode with synchronous=NORMAL and leaves :memory: alone', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edo-sqlite-'));
    const file = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: path.join(dir, 'db.sqlite') },
      useNullAsDefault: true,
    });
    const memory = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: ':memory:' },
      useNullAsDefault: true,
    });
    try {
      await tuneSqlite(file, mockServices.logger.mock());
      await tuneSqlite(memory, mockServices.logger.mock());
      expect(await file.raw('PRAGMA journal_mode')).toEqual([
        { journal_mode: 'wal' },
      ]);
      expect(await file.raw('PRAGMA synchronous')).toEqual([
        { synchronous: 1 },
      ]); // NORMAL
      expect(await memory.raw('PRAGMA journal_mode')).toEqual([
        { journal_mode: 'memory' },
      ]);
      expect(await memory.raw('PRAGMA synchronous')).toEqual([
        { synchronous: 2 },
      ]); // FULL, untouched
    } finally {
      await file.destroy();
      await memory.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
