/** Opens the project named by --project for one CLI command and always closes it. */
import { openProject, type Store } from '../store/project.ts';
import { requireOption } from './command.ts';

export async function withProject<T>(values: Record<string, unknown>, usage: string, fn: (store: Store) => Promise<T>, opts: { readOnly?: boolean } = {}): Promise<T> {
  const dir = requireOption(values, 'project', usage);
  const store = await openProject(dir, { readOnly: opts.readOnly });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** A progress line on stderr that rewrites itself on a terminal and prints every ~10 % otherwise. */
export function progressPrinter(label: string): (done: number, total: number, extra?: string) => void {
  let lastPct = -1;
  const tty = process.stderr.isTTY;
  return (done, total, extra) => {
    const pct = total > 0 ? Math.floor((100 * done) / total) : 0;
    if (!tty && pct < lastPct + 10 && done < total) return;
    lastPct = pct;
    const line = `${label}: ${done.toLocaleString()}/${total.toLocaleString()} (${pct} %)${extra ? ` ${extra}` : ''}`;
    if (tty) process.stderr.write(`\r${line}${done >= total ? '\n' : ''}`);
    else process.stderr.write(`${line}\n`);
  };
}
