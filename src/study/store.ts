// The results database: a DuckDB file with one row per cell (`cells`, primary key = cell id), the
// traces kept for cells that asked for them (`traces`) and the study's spec (`study`). Each batch of
// finished cells is written in one transaction: after a crash (even kill -9) a cell is either wholly
// in the database or not at all, and the next run recomputes exactly the missing ones.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { HeteroError } from '../errors.js';
import { ROW_COLUMNS, type CellOutcome } from './row.js';

/** A JSON-safe value from a query (BIGINT and DECIMAL come back as numbers, dates as strings). */
export type QueryValue = string | number | boolean | null;
export type QueryRow = Record<string, QueryValue>;

export class ResultStore {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly db: DuckDBConnection,
    readonly path: string,
  ) {}

  /** Opens (creating if needed) a results database; `readOnly` for queries while nothing writes. */
  static async open(path: string, opts: { readOnly?: boolean } = {}): Promise<ResultStore> {
    if (!opts.readOnly) mkdirSync(dirname(path), { recursive: true });
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(path, opts.readOnly ? { access_mode: 'READ_ONLY' } : {});
    } catch (e) {
      const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
      throw new HeteroError(path, `cannot open the results database: ${why}`);
    }
    const db = await instance.connect();
    const store = new ResultStore(instance, db, path);
    if (!opts.readOnly) await store.createTables();
    return store;
  }

  private async createTables(): Promise<void> {
    const columns = ROW_COLUMNS.map(([name, type]) => `${name} ${type}`).join(', ');
    await this.db.run(`CREATE TABLE IF NOT EXISTS cells (${columns})`);
    // A database written by an older hetero lacks the newer (nullable) columns: add them, so that
    // resuming into it works; its old cells are recomputed anyway (CELL_FORMAT is in their ids).
    for (const [name, type] of ROW_COLUMNS) {
      if (!/NOT NULL|PRIMARY KEY/.test(type))
        await this.db.run(`ALTER TABLE cells ADD COLUMN IF NOT EXISTS ${name} ${type}`);
    }
    await this.db.run(
      'CREATE TABLE IF NOT EXISTS traces (cell_id VARCHAR PRIMARY KEY, events VARCHAR NOT NULL)',
    );
    await this.db.run('CREATE TABLE IF NOT EXISTS study (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)');
  }

  /** Serialises statements on the one connection (a transaction must not interleave with others). */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Ids of the cells that are finished (every status but `skipped`, which is retried). */
  async finishedIds(): Promise<Set<string>> {
    const rows = await this.query("SELECT id FROM cells WHERE status <> 'skipped'");
    return new Set(rows.map((r) => String(r.id)));
  }

  /** Removes cells (and their traces) that the current spec no longer has; returns how many. */
  async keepOnly(ids: ReadonlySet<string>): Promise<number> {
    const present = await this.query('SELECT id FROM cells');
    const stale = present.map((r) => String(r.id)).filter((id) => !ids.has(id));
    if (stale.length === 0) return 0;
    await this.serial(async () => {
      await this.db.run('BEGIN TRANSACTION');
      try {
        for (const id of stale) {
          await this.db.run('DELETE FROM traces WHERE cell_id = ?', [id]);
          await this.db.run('DELETE FROM cells WHERE id = ?', [id]);
        }
        await this.db.run('COMMIT');
      } catch (e) {
        await this.db.run('ROLLBACK');
        throw e;
      }
    });
    return stale.length;
  }

  async setMeta(key: string, value: string): Promise<void> {
    await this.serial(() => this.db.run('INSERT OR REPLACE INTO study VALUES (?, ?)', [key, value]));
  }

  /** Writes finished cells (rows and traces) in one transaction. */
  async write(outcomes: readonly CellOutcome[]): Promise<void> {
    if (outcomes.length === 0) return;
    const names = ROW_COLUMNS.map(([name]) => name);
    const sql = `INSERT OR REPLACE INTO cells (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`;
    await this.serial(async () => {
      await this.db.run('BEGIN TRANSACTION');
      try {
        for (const { row, traceJson } of outcomes) {
          const values: DuckDBValue[] = names.map((n) => row[n]);
          await this.db.run(sql, values);
          if (traceJson !== undefined)
            await this.db.run('INSERT OR REPLACE INTO traces VALUES (?, ?)', [row.id, traceJson]);
        }
        await this.db.run('COMMIT');
      } catch (e) {
        await this.db.run('ROLLBACK');
        throw e;
      }
    });
  }

  /** Runs SQL and returns JSON-safe row objects; a SQL error is a user error naming the database. */
  async query(sql: string, params: QueryValue[] = []): Promise<QueryRow[]> {
    return this.serial(async () => {
      let reader;
      try {
        reader = await this.db.runAndReadAll(sql, params);
      } catch (e) {
        const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
        throw new HeteroError(this.path, why);
      }
      return reader.getRowObjectsJS().map((r) => {
        const out: QueryRow = {};
        for (const [k, v] of Object.entries(r)) out[k] = toQueryValue(v);
        return out;
      });
    });
  }

  /** Column names of a query's result, in order (for printing tables of empty results too). */
  async columns(sql: string): Promise<string[]> {
    return this.serial(async () =>
      (await this.db.runAndReadAll(`SELECT * FROM (${sql}) LIMIT 0`)).columnNames(),
    );
  }

  /** Runs a statement that returns nothing useful (COPY … TO for exports). */
  async exec(sql: string): Promise<void> {
    await this.serial(async () => {
      try {
        await this.db.run(sql);
      } catch (e) {
        const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
        throw new HeteroError(this.path, why);
      }
    });
  }

  close(): void {
    this.db.closeSync();
    this.instance.closeSync();
  }
}

function toQueryValue(v: unknown): QueryValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return v.toISOString();
  return String(v);
}
