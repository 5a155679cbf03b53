import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createProject } from '../store/project.ts';
import { tmpDir } from '../store/test-support/tmp.ts';
import { quietOnClosedPipes } from './main.ts';

/** Runs bin/margin.js with stdout a pipe that `closeAfter` lines are read and then closed. */
function runWithClosedStdout(args: string[], closeAfter: number): Promise<{ code: number | null; signal: string | null; stderr: string; lines: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/margin.js', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    let buf = '';
    let stderr = '';
    // 0 lines: closed at once, so the command's very first write meets a closed pipe.
    if (closeAfter === 0) child.stdout.destroy();
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const parts = buf.split('\n');
      buf = parts.pop()!;
      lines.push(...parts);
      if (lines.length >= closeAfter) child.stdout.destroy();
    });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr, lines: lines.slice(0, closeAfter) }));
  });
}

describe('a closed stdout ends the command quietly', () => {
  it('`margin info --project P` with stdout closed: exit 0, nothing on stderr (no EPIPE stack trace)', async () => {
    const dir = tmpDir('margin-epipe-');
    await (await createProject(dir, { name: 'epipe' })).close();
    for (const closeAfter of [0, 1]) {
      const r = await runWithClosedStdout(['info', '--project', dir], closeAfter);
      expect(r.stderr.slice(0, 400)).not.toMatch(/EPIPE|Error|\n\s+at /);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      if (closeAfter === 1) expect(r.lines[0]).toMatch(/^Margin \d/);
    }
  }, 60_000);

  it('quietOnClosedPipes: EPIPE on stdout exits 0, on stderr is ignored, any other error is rethrown', () => {
    const out = new EventEmitter();
    const err = new EventEmitter();
    const exits: number[] = [];
    quietOnClosedPipes(out as unknown as NodeJS.WritableStream, err as unknown as NodeJS.WritableStream, (c) => exits.push(c));
    out.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    err.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    expect(exits).toEqual([0]);
    expect(() => out.emit('error', Object.assign(new Error('disk'), { code: 'EIO' }))).toThrow('disk');
  });
});
