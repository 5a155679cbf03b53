import { describe, expect, it } from 'vitest';
import { parseCommandArgs } from '../command.ts';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateCommand, fitsLine, parseFractions, samplerOptionsArg } from './evaluate.ts';

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
  it('--fractions and --sampler-options are checked before the project is opened', async () => {
    const base = ['--project', '/nowhere', '--model', 'm', '--experiment', 'e1', '--out', '/tmp/x'];
    await expect(run([...base, '--fractions', '0.05,1.5'])).rejects.toThrow(/--fractions must be 1 to 20 comma-separated numbers in \(0, 1\], e\.g\. 0\.05 or 0\.05,0\.1; got "0\.05,1\.5"/);
    await expect(run([...base, '--fractions', '0.05,'])).rejects.toThrow(/--fractions must be/);
    await expect(run([...base, '--sampler-options', '{"vas":{"svmC":1}}'])).rejects.toThrow(/--sampler-options\.vas\.svmC: svmC does not apply to vas/);
    await expect(run([...base, '--sampler-options', 'paperish'])).rejects.toThrow(/--sampler-options must be defaults or paper/);
    // Valid options get as far as opening the (missing) project.
    await expect(run([...base, '--fractions', '0.05', '--sampler-options', 'paper'])).rejects.toThrow(/nowhere/);
  });
  it('parses fraction lists and reads @FILE without quoting it in errors', () => {
    expect(parseFractions('0.05')).toEqual([0.05]);
    expect(parseFractions(' 0.05, 0.1 ,1')).toEqual([0.05, 0.1, 1]);
    const dir = mkdtempSync(join(tmpdir(), 'margin-evaluate-opts-'));
    const good = join(dir, 'paper.json');
    writeFileSync(good, JSON.stringify({ 'latent-grid': { gridSplit: 'mean', gridTopUp: false } }));
    expect(samplerOptionsArg(`@${good}`)).toEqual({ 'latent-grid': { gridSplit: 'mean', gridTopUp: false } });
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"secret-token-xyz": ');
    expect(() => samplerOptionsArg(`@${bad}`)).toThrow(new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not valid JSON`));
    try { samplerOptionsArg(`@${bad}`); } catch (e) { expect((e as Error).message).not.toContain('secret-token-xyz'); }
    writeFileSync(bad, 'vas: median');
    expect(() => samplerOptionsArg(`@${bad}`)).toThrow(/does not hold a JSON object/);
    expect(() => samplerOptionsArg(`@${join(dir, 'missing.json')}`)).toThrow(/cannot read .*missing\.json \(ENOENT\)/);
  });
});

describe('margin evaluate: the fit-cache line', () => {
  it('sums reused and computed fits over the experiments, leaves E4 out, and says nothing when nothing was fitted', () => {
    const line = fitsLine([
      { experiment: 'e1', fits: { reused: 2, computed: 1 } }, { experiment: 'e2', fits: { reused: 0, computed: 0 } },
      { experiment: 'e4', fits: { reused: 0, computed: 5 } }, { experiment: 'e3', fits: { reused: 1, computed: 0 } },
    ]);
    expect(line).toBe("fits: 3 reused from the project's fit cache (cache/fits), 1 computed (e1 2/1, e3 1/0; reused/computed)");
    expect(fitsLine([{ experiment: 'e2', fits: { reused: 0, computed: 0 } }, { experiment: 'e4' }])).toBeNull();
  });
});
