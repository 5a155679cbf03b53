import { describe, expect, it } from 'vitest';
import { parseCommandArgs } from '../command.ts';
import { evaluateCommand } from './evaluate.ts';

const run = (argv: string[]) => evaluateCommand.run(parseCommandArgs(evaluateCommand, argv) as never);

describe('margin evaluate: arguments', () => {
  it('names the missing or bad option and shows the usage', async () => {
    await expect(run(['--project', '/nowhere', '--experiment', 'e1', '--out', '/tmp/x'])).rejects.toThrow(/--model is required\nusage: margin evaluate --project DIR/);
    await expect(run(['--project', '/nowhere', '--model', 'm', '--out', '/tmp/x'])).rejects.toThrow(/--experiment is required/);
    await expect(run(['--project', '/nowhere', '--model', 'm', '--experiment', 'e9', '--out', '/tmp/x'])).rejects.toThrow(/--experiment must be one of e1, e2, e3, e4, table4, all, got e9/);
    await expect(run(['--project', '/nowhere', '--model', 'm', '--experiment', 'e1'])).rejects.toThrow(/--out is required/);
    await expect(run(['--project', '/nowhere', '--model', 'm', '--experiment', 'e1', '--out', '/tmp/x', '--seeds', '0'])).rejects.toThrow(/--seeds must be an integer from 1 to 50, got 0/);
    await expect(run(['--project', '/nowhere', '--model', 'm', '--experiment', 'e1', '--out', '/tmp/x', '--seeds', 'ten'])).rejects.toThrow(/--seeds must be an integer from 1 to 50, got "ten"/);
    expect(() => parseCommandArgs(evaluateCommand, ['--bogus'])).toThrow(/usage: margin evaluate/);
  });
});
