// `hetero results <db>`: query a study's results database with SQL (a table, or --json) and export
// it (or a query's result) as CSV or Parquet.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { HeteroError } from '../errors.js';
import { ResultStore, type QueryValue } from '../study/store.js';
import { table } from './format.js';

interface ResultsFlags {
  sql?: string;
  json?: boolean;
  export?: string;
  to?: string;
}

const DEFAULT_SQL =
  'SELECT kind, status, count(*) AS cells FROM cells GROUP BY kind, status ORDER BY kind, status';

export function registerResults(program: Command, print: (text: string) => void): void {
  program
    .command('results')
    .description("query a study's results database (DuckDB) with SQL, or export it as CSV/Parquet")
    .argument('<db>', 'results database, e.g. out/results.duckdb')
    .option('--sql <query>', 'SQL to run (tables: cells, traces, study)')
    .option('--json', 'print the rows as JSON')
    .option('--export <format>', 'write the cells (or the --sql result) as csv or parquet')
    .option('--to <file>', 'file to export to (default: next to the database)')
    .action(async (db: string, flags: ResultsFlags) => {
      print(await resultsCommand(db, flags));
    });
}

export async function resultsCommand(db: string, flags: ResultsFlags): Promise<string> {
  if (!existsSync(db)) throw new HeteroError(db, 'no such results database (run `hetero study` first)');
  const format = flags.export;
  if (format !== undefined && format !== 'csv' && format !== 'parquet')
    throw new HeteroError('--export', `"${format}" is not csv or parquet`);
  if (flags.to !== undefined && format === undefined) throw new HeteroError('--to', 'needs --export');
  const store = await ResultStore.open(db, { readOnly: true });
  try {
    if (format !== undefined) {
      const to = flags.to ?? join(dirname(db), `cells.${format}`);
      const source = flags.sql ? `(${flags.sql})` : 'cells';
      const options = format === 'csv' ? '(FORMAT csv, HEADER)' : '(FORMAT parquet)';
      await store.exec(`COPY ${source} TO '${to.replace(/'/g, "''")}' ${options}`);
      return `wrote ${to}`;
    }
    const sql = flags.sql ?? DEFAULT_SQL;
    const rows = await store.query(sql);
    if (flags.json) return JSON.stringify(rows, null, 2);
    const columns = rows.length > 0 ? Object.keys(rows[0]) : await store.columns(sql);
    return [
      table([columns, ...rows.map((r) => columns.map((c) => formatValue(r[c])))]),
      `(${rows.length} row${rows.length === 1 ? '' : 's'})`,
    ].join('\n');
  } finally {
    store.close();
  }
}

function formatValue(v: QueryValue): string {
  if (v === null) return '';
  if (typeof v === 'number' && !Number.isInteger(v)) return String(Number(v.toPrecision(6)));
  return String(v).replace(/[\r\n\t]/g, ' ');
}
