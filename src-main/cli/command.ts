/** What every CLI command provides. `margin --help` lists exactly the registered commands. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { MarginError } from '../shared/errors.ts';

/** What a command's run() receives: the parsed options and positionals. */
export interface CommandArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  run(args: CommandArgs): Promise<number>;
}

export function parseCommandArgs(cmd: Command, argv: string[]): CommandArgs {
  const options = { ...cmd.options, help: { type: 'boolean' as const, short: 'h' } };
  try {
    return parseArgs({ args: attachNegativeValues(argv, options), options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new MarginError('BAD_REQUEST', `${(err as Error).message}\nusage: ${cmd.usage}`);
  }
}

/** A token that is a negative number (`-1`, `-0.5`, `-.5`, `-1e3`, `-Infinity`), not an option. */
const NEGATIVE_NUMBER = /^-(?:\d|\.\d|Infinity$|NaN$)/;

/**
 * node's parseArgs refuses `--seed -1` ("argument is ambiguous": a value starting with '-'
 * could be an option). A negative number after an option that takes a value is that option's
 * value: it is attached (`--seed=-1`) so the range check can name the accepted range.
 */
export function attachNegativeValues(argv: readonly string[], options: NonNullable<ParseArgsConfig['options']>): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const next = argv[i + 1];
    const long = /^--([^=]+)$/.exec(a)?.[1];
    const short = /^-([^-])$/.exec(a)?.[1];
    const takesValue = long !== undefined
      ? options[long]?.type === 'string'
      : short !== undefined && Object.values(options).some((o) => o.short === short && o.type === 'string');
    if (takesValue && next !== undefined && NEGATIVE_NUMBER.test(next)) {
      out.push(long !== undefined ? `--${long}=${next}` : `${a}${next}`);
      i++;
    } else {
      out.push(a);
    }
  }
  return out;
}

/** Reads a required string option or fails naming it. */
export function requireOption(values: Record<string, unknown>, key: string, usage: string): string {
  const v = values[key];
  if (typeof v !== 'string' || v.trim() === '') throw new MarginError('BAD_REQUEST', `--${key} is required\nusage: ${usage}`);
  return v;
}

/** The accepted values of a numeric option. */
export interface NumberRange {
  /** Default when the option is absent. */
  fallback?: number;
  integer?: boolean;
  min?: number;
  max?: number;
  /** The lower bound itself is excluded (e.g. a fraction in (0, 1]). */
  minExclusive?: boolean;
  maxExclusive?: boolean;
  /** What the number counts, for the message ("pixels", "items"). */
  unit?: string;
}

/** "an integer from 1 to 50", "a number in (0, 1]", "an integer ≥ 0". */
export function describeRange(r: NumberRange): string {
  const kind = r.integer ? 'an integer' : 'a number';
  const unit = r.unit ? ` (${r.unit})` : '';
  if (r.min !== undefined && r.max !== undefined) {
    return r.integer && !r.minExclusive && !r.maxExclusive
      ? `${kind} from ${r.min} to ${r.max}${unit}`
      : `${kind} in ${r.minExclusive ? '(' : '['}${r.min}, ${r.max}${r.maxExclusive ? ')' : ']'}${unit}`;
  }
  if (r.min !== undefined) return `${kind} ${r.minExclusive ? '>' : '≥'} ${r.min}${unit}`;
  if (r.max !== undefined) return `${kind} ${r.maxExclusive ? '<' : '≤'} ${r.max}${unit}`;
  return `${kind}${unit}`;
}

/**
 * Parses a numeric option. With a range, a value outside it (or not an integer when one is
 * needed) fails naming the option, the accepted range and the value given.
 */
export function numberOption(values: Record<string, unknown>, key: string, fallbackOrRange?: number | NumberRange): number | undefined {
  const range: NumberRange = typeof fallbackOrRange === 'number' ? { fallback: fallbackOrRange } : fallbackOrRange ?? {};
  const v = values[key];
  if (v === undefined) return range.fallback;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || Number.isNaN(n)) {
    throw new MarginError('BAD_REQUEST', `--${key} must be ${describeRange(range)}, got ${JSON.stringify(v)}`);
  }
  const bad = !Number.isFinite(n)
    || (range.integer && !Number.isInteger(n))
    || (range.min !== undefined && (range.minExclusive ? n <= range.min : n < range.min))
    || (range.max !== undefined && (range.maxExclusive ? n >= range.max : n > range.max));
  if (bad) throw new MarginError('BAD_REQUEST', `--${key} must be ${describeRange(range)}, got ${v.trim()}`);
  return n;
}

/** Seeds: the range every seeded command accepts (the API's too). */
export const SEED_RANGE = { integer: true, min: 0, max: 2 ** 31 - 1 } as const satisfies NumberRange;
