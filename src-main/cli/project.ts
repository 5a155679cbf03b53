/** Opens the project named by --project for one CLI command and always closes it. */
import { openProject, type Store } from '../store/project.ts';
import { requireOption } from './command.ts';
import { IN_WORKBENCH, isLockConflict, workbenchFor, writeRefusal, type WorkbenchCall } from './workbench-link.ts';

export interface WithProjectOptions<T> {
  readOnly?: boolean;
  /**
   * While a workbench has the project open (its store is locked): answer through it instead. A
   * command without it writes to the project and is refused with `workbench` — where to do it in
   * the workbench — and how to free the project.
   */
  viaWorkbench?: (call: WorkbenchCall) => Promise<T>;
  /** The command's name and where the workbench does the same, e.g. ['train', 'Train a model in the Model view']. */
  workbench?: [command: string, where: string];
}

export async function withProject<T>(values: Record<string, unknown>, usage: string, fn: (store: Store) => Promise<T>, opts: WithProjectOptions<T> = {}): Promise<T> {
  const dir = requireOption(values, 'project', usage);
  let store: Store;
  try {
    store = await openProject(dir, { readOnly: opts.readOnly });
  } catch (err) {
    if (!isLockConflict(err)) throw err;
    const wb = await workbenchFor(dir);
    if (!wb) throw err; // another CLI run (or an older workbench) holds it: the store's own message says so
    if (opts.viaWorkbench) {
      console.error(`(the project is open in the Margin workbench at ${wb.rec.origin}, PID ${wb.rec.pid}: answered through it)`);
      return opts.viaWorkbench(wb.call);
    }
    const command = opts.workbench?.[0] ?? /^margin (\S+)/.exec(usage)?.[1] ?? 'this command';
    const where = opts.workbench?.[1] ?? IN_WORKBENCH[command] ?? 'the corresponding view';
    throw writeRefusal(wb.rec, command, where);
  }
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
