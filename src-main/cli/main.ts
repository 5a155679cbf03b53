/**
 * `margin` — the command-line interface over the same core as the workbench.
 * Each command lives in ./commands/<name>.ts and registers itself in COMMANDS below.
 */
import { toErrorPayload } from '../shared/errors.ts';
import { parseCommandArgs, type Command } from './command.ts';
import { infoCommand } from './commands/info.ts';
import { serveCommand } from './commands/serve.ts';
import { initCommand } from './commands/init.ts';
import { importDataCommand } from './commands/import-data.ts';
import { importModelCommand } from './commands/import-model.ts';
import { extractCommand } from './commands/extract.ts';
import { extractShardCommand } from './commands/extract-shard.ts';
import { exactShardCommand } from './commands/exact-shard.ts';
import { sampleCommand, samplesCommand } from './commands/sample.ts';
import { demoCommand } from './commands/demo.ts';
import { reportCommand } from './commands/report.ts';
import { queryCommand } from './commands/query.ts';
import { evaluateCommand } from './commands/evaluate.ts';
import { trainCommand } from './commands/train.ts';
import { exportCommand } from './commands/export.ts';
import { saliencyCommand } from './commands/saliency.ts';

export const COMMANDS: Command[] = [
  initCommand, demoCommand, importDataCommand, importModelCommand, extractCommand, extractShardCommand, exactShardCommand, trainCommand, sampleCommand, samplesCommand, queryCommand, evaluateCommand, saliencyCommand, exportCommand, reportCommand, serveCommand, infoCommand,
];

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'margin — diagnose deep-learning models from a sample of their latent space',
    '',
    'usage: margin <command> [options]    (margin <command> --help for its options)',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
  ].join('\n');
}

/**
 * A closed stdout (`margin info | head -1`) ends the command quietly with exit code 0 instead of
 * an EPIPE stack trace; a closed stderr is ignored (there is nowhere left to report to). Node
 * ignores SIGPIPE, so the closed pipe shows up as an 'error' event on the stream.
 */
export function quietOnClosedPipes(
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
  exit: (code: number) => void = (code) => process.exit(code),
): void {
  const closed = (e: NodeJS.ErrnoException) => e?.code === 'EPIPE' || e?.code === 'ERR_STREAM_DESTROYED';
  out.on('error', (e: NodeJS.ErrnoException) => {
    if (closed(e)) exit(0);
    else throw e;
  });
  err.on('error', (e: NodeJS.ErrnoException) => {
    if (!closed(e)) throw e;
  });
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(help());
    return name ? 0 : 1;
  }
  if (name === '--version') {
    const { appVersion } = await import('../system/info.ts');
    console.log(appVersion());
    return 0;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    console.error(`margin: unknown command '${name}'\n\n${help()}`);
    return 2;
  }
  try {
    const args = parseCommandArgs(cmd, rest);
    if (args.values.help) {
      console.log(`${cmd.summary}\n\nusage: ${cmd.usage}`);
      return 0;
    }
    return await cmd.run(args);
  } catch (err) {
    const e = toErrorPayload(err);
    console.error(`margin ${name}: ${e.message}`);
    if (e.code === 'INTERNAL' && err instanceof Error && err.stack && process.env.MARGIN_DEBUG) console.error(err.stack);
    return e.code === 'BAD_REQUEST' ? 2 : 1;
  }
}
