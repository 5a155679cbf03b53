/** A project folder's files as {relative path: sha256}, to prove a refused write changed nothing. */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export function folderSnapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out[path.relative(dir, p)] = createHash('sha256').update(fs.readFileSync(p)).digest('hex');
      else out[path.relative(dir, p)] = e.isSymbolicLink() ? `link:${fs.readlinkSync(p)}` : 'special';
    }
  };
  walk(dir);
  return out;
}
