/** What every CLI command provides. `margin --help` lists exactly the registered commands. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { MarginError } from '../shared/errors.ts';

export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  run(args: { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] }): Promise<number>;
}

export function parseCommandArgs(cmd: Command, argv: string[]) {
  try {
    return parseArgs({ args: argv, options: { ...cmd.options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new MarginError('BAD_REQUEST', `${(err as Error).message}\nusage: ${cmd.usage}`);
  }
}

/** Reads a required string option or fails naming it. */
export function requireOption(values: Record<string, unknown>, key: string, usage: string): string {
  const v = values[key];
  if (typeof v !== 'string' || v.trim() === '') throw new MarginError('BAD_REQUEST', `--${key} is required\nusage: ${usage}`);
  return v;
}

/** Parses a numeric option, naming it when it is not a number. */
export function numberOption(values: Record<string, unknown>, key: string, fallback?: number): number | undefined {
  const v = values[key];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n)) throw new MarginError('BAD_REQUEST', `--${key} must be a number, got ${JSON.stringify(v)}`);
  return n;
}
