import { describe, expect, it } from 'vitest';
import { MarginError } from '../shared/errors.ts';
import { SEED_RANGE, attachNegativeValues, describeRange, numberOption, parseCommandArgs, type Command } from './command.ts';
import { COMMANDS } from './main.ts';

const cmd: Command = {
  name: 't', summary: '', usage: 'margin t [--seed N] [--x N] [-n N] [--flag]',
  options: { seed: { type: 'string' }, x: { type: 'string' }, n: { type: 'string', short: 'n' }, flag: { type: 'boolean' } },
  run: async () => 0,
};

function bad(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(MarginError);
    expect((e as MarginError).code).toBe('BAD_REQUEST');
    return (e as MarginError).message;
  }
  throw new Error('expected a refusal');
}

describe('CLI parsing: negative numbers as option values', () => {
  it('takes `--seed -1`, `-n -2`, `--x -0.5`, `--x -.5`, `--x -1e3` as values (node\'s parseArgs alone calls them ambiguous)', () => {
    const v = parseCommandArgs(cmd, ['--seed', '-1', '-n', '-2', '--x', '-0.5', '--flag']).values;
    expect(v).toMatchObject({ seed: '-1', n: '-2', x: '-0.5', flag: true });
    expect(parseCommandArgs(cmd, ['--x', '-.5']).values.x).toBe('-.5');
    expect(parseCommandArgs(cmd, ['--x', '-1e3']).values.x).toBe('-1e3');
    expect(parseCommandArgs(cmd, ['--x=-3']).values.x).toBe('-3');
  });

  it('leaves everything else as it was: options that take no value, option-like values, the `--` terminator', () => {
    expect(attachNegativeValues(['--flag', '-1'], cmd.options)).toEqual(['--flag', '-1']);
    expect(attachNegativeValues(['--seed', '--flag'], cmd.options)).toEqual(['--seed', '--flag']);
    expect(attachNegativeValues(['--seed', '-x'], cmd.options)).toEqual(['--seed', '-x']);
    expect(attachNegativeValues(['--', '--seed', '-1'], cmd.options)).toEqual(['--', '--seed', '-1']);
    expect(attachNegativeValues(['--seed', '1', 'pos'], cmd.options)).toEqual(['--seed', '1', 'pos']);
    // A true option-like value still gets node's message, with the usage.
    expect(bad(() => parseCommandArgs(cmd, ['--seed', '--flag']))).toMatch(/argument is ambiguous[\s\S]*usage: margin t/);
  });
});

describe('CLI numbers: out of range names the accepted range', () => {
  const v = (x: string) => ({ seed: x });
  it('names the option, the range and the value', () => {
    expect(bad(() => numberOption(v('-1'), 'seed', SEED_RANGE))).toBe('--seed must be an integer from 0 to 2147483647, got -1');
    expect(bad(() => numberOption(v('1.5'), 'seed', SEED_RANGE))).toBe('--seed must be an integer from 0 to 2147483647, got 1.5');
    expect(bad(() => numberOption(v('ten'), 'seed', SEED_RANGE))).toBe('--seed must be an integer from 0 to 2147483647, got "ten"');
    expect(bad(() => numberOption(v('Infinity'), 'seed', { min: 0 }))).toBe('--seed must be a number ≥ 0, got Infinity');
    expect(bad(() => numberOption(v('0'), 'seed', { min: 0, minExclusive: true, max: 1 }))).toBe('--seed must be a number in (0, 1], got 0');
    expect(bad(() => numberOption(v('1'), 'seed', { min: 0, minExclusive: true, max: 1, maxExclusive: true }))).toBe('--seed must be a number in (0, 1), got 1');
    expect(bad(() => numberOption(v('2000'), 'seed', { integer: true, min: 8, max: 1024, unit: 'pixels' }))).toBe('--seed must be an integer from 8 to 1024 (pixels), got 2000');
    expect(bad(() => numberOption(v(''), 'seed'))).toBe('--seed must be a number, got ""');
  });
  it('accepts values inside the range and the fallback when absent', () => {
    expect(numberOption(v('0'), 'seed', SEED_RANGE)).toBe(0);
    expect(numberOption(v('1'), 'seed', { min: 0, minExclusive: true, max: 1 })).toBe(1);
    expect(numberOption({}, 'seed', { ...SEED_RANGE, fallback: 7 })).toBe(7);
    expect(numberOption({}, 'seed', 3)).toBe(3);
    expect(numberOption(v('-2.5'), 'seed')).toBe(-2.5);
    expect(describeRange({ integer: true, min: 1 })).toBe('an integer ≥ 1');
  });

  /** Every command's numeric options, with a value out of range given as a separate negative token. */
  const cases: Array<[string, string[], RegExp]> = [
    ['sample', ['--project', '/nowhere', '--model', 'm', '--method', 'uniform', '--seed', '-1'], /^--seed must be an integer from 0 to 2147483647, got -1$/],
    ['sample', ['--project', '/nowhere', '--model', 'm', '--method', 'uniform', '--fraction', '-0.5'], /^--fraction must be a number in \(0, 1\], got -0\.5$/],
    ['sample', ['--project', '/nowhere', '--model', 'm', '--method', 'uniform', '--j', '1.5'], /^--j must be a number in \[0, 1\], got 1\.5$/],
    ['query', ['--project', '/nowhere', '--model', 'm', '--set', 'S1', '--layer', 'l', '--k', '-3'], /^--k must be an integer from 1 to 10000, got -3$/],
    ['query', ['--project', '/nowhere', '--model', 'm', '--set', 'S1', '--layer', 'l', '--class', '-1'], /^--class must be an integer ≥ 0, got -1$/],
    ['evaluate', ['--project', '/nowhere', '--model', 'm', '--experiment', 'e1', '--out', '/tmp/x', '--seeds', '-4'], /^--seeds must be an integer from 1 to 50, got -4$/],
    ['saliency', ['--project', '/nowhere', '--model', 'm', '--items', '1', '--out', '/tmp/x', '--size', '-8'], /^--size must be an integer from 8 to 1024 \(pixels\), got -8$/],
    ['train', ['--project', '/nowhere', '--arch', 'mlp', '--data', 'd', '--epochs', '-1'], /^--epochs must be an integer from 1 to 1000, got -1$/],
    ['train', ['--project', '/nowhere', '--arch', 'mlp', '--data', 'd', '--epochs', '1', '--batch', '0'], /^--batch must be an integer from 1 to 65536, got 0$/],
    ['train', ['--project', '/nowhere', '--arch', 'mlp', '--data', 'd', '--epochs', '1', '--seed', '-7'], /^--seed must be an integer from 0 to 2147483647, got -7$/],
    ['train', ['--project', '/nowhere', '--arch', 'mlp', '--data', 'd', '--epochs', '1', '--lr', '-0.01'], /^--lr must be a number in \(0, 10\], got -0\.01$/],
    ['extract', ['--project', '/nowhere', '--model', 'm', '--workers', '-2'], /^--workers must be an integer ≥ 0, got -2$/],
    ['import-data', ['--project', '/nowhere', '--name', 'd', '--format', 'digits-csv', '--path', '/x', '--test-fraction', '-0.2'], /^--test-fraction must be a number in \(0, 1\), got -0\.2$/],
    ['import-data', ['--project', '/nowhere', '--name', 'd', '--format', 'digits-csv', '--path', '/x', '--seed', '-1'], /^--seed must be an integer from 0 to 2147483647, got -1$/],
    ['import-model', ['--project', '/nowhere', '--name', 'm', '--path', '/x', '--ordinal', '-1'], /^--ordinal must be an integer from 0 to 2147483647, got -1$/],
    ['serve', ['--port', '-1'], /^--port must be an integer from 0 to 65535, got -1$/],
  ];
  it.each(cases)('margin %s: a negative or out-of-range number is a range error naming the option, before the project is opened', async (name, argv, re) => {
    const c = COMMANDS.find((x) => x.name === name)!;
    const err = await c.run(parseCommandArgs(c, argv) as never).then(() => null, (e: unknown) => e as MarginError);
    expect(err).toBeInstanceOf(MarginError);
    expect(err!.code).toBe('BAD_REQUEST');
    expect(err!.message).toMatch(re);
  });
});
