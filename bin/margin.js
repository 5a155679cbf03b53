#!/usr/bin/env node
// The `margin` command. The core is TypeScript run directly through tsx (no build step for
// the CLI, the tests or the browser host).
import { register } from 'tsx/esm/api';

register();
const { main, quietOnClosedPipes } = await import('../src-main/cli/main.ts');
quietOnClosedPipes();
process.exitCode = await main(process.argv.slice(2));
