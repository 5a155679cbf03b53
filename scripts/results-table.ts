/**
 * Rebuilds the marked tables of docs/results/*.md from the stored `margin evaluate` outputs
 * (each marker names run folders holding e1.json; src-main/reports/results-table.ts), so no number
 * in those documents is typed by hand.
 *
 *   npm run results:table            rewrite every document whose tables changed
 *   npm run results:table -- --check exit 1 (naming the documents) when a table is out of date
 *   npm run results:table -- --dir D another folder of documents
 */
import { readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { E1Row } from '../src-main/reports/experiment-rows.ts';
import { renderTables, tableRequests } from '../src-main/reports/results-table.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { check: { type: 'boolean' }, dir: { type: 'string' } } });
const dir = resolve(values.dir ?? join(ROOT, 'docs', 'results'));

function loader(docDir: string, doc: string): (run: string) => E1Row[] {
  return (run) => {
    const file = join(docDir, run, 'e1.json');
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new Error(`${doc}: cannot read the E1 run ${file} (${(err as NodeJS.ErrnoException).code ?? 'not valid JSON'}); run \`margin evaluate --experiment e1 --out ${run}\` or fix the marker`);
    }
    const rows = (parsed as { rows?: unknown }).rows;
    if (!Array.isArray(rows)) throw new Error(`${doc}: ${file} has no rows array; it is not an e1.json written by margin evaluate`);
    return rows as E1Row[];
  };
}

let stale = 0;
let tables = 0;
for (const name of readdirSync(dir).filter((f) => f.endsWith('.md')).sort()) {
  const path = join(dir, name);
  const text = readFileSync(path, 'utf8');
  const n = tableRequests(text).length;
  if (!n) continue;
  tables += n;
  const next = renderTables(text, loader(dir, name));
  if (next === text) {
    console.log(`${name}: ${n} table(s) up to date`);
    continue;
  }
  stale++;
  if (values.check) {
    console.error(`${name}: ${n} table(s) out of date — run npm run results:table`);
  } else {
    writeFileSync(`${path}.tmp`, next);
    renameSync(`${path}.tmp`, path);
    console.log(`${name}: ${n} table(s) rebuilt`);
  }
}
console.log(`${tables} table(s) in ${dir}`);
if (values.check && stale) process.exit(1);
