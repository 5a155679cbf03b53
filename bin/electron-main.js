// Electron's main-process entry (package.json "main"). Like the CLI, the main process runs the
// TypeScript core directly through tsx, so its worker threads (extraction, samplers, experiments)
// start from the same source files as under Node. The preload and renderer are built by electron-vite.
import { register } from 'tsx/esm/api';

register();
// Awaited: Electron emits `ready` only once this entry has resolved, so main.ts's module-level
// setup (the margin:// scheme's privileges, the web-contents guard) runs before it, as it must.
await import('../src-main/electron/main.ts');
