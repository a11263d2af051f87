// The front end's files, read once at start from ui/assets (they ship in the package): a request can only ever
// get one of these, by exact name, so no path from the browser reaches the file system.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Asset {
  body: Buffer;
  type: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** ui/assets of the package, from ui/server/ (sources) or dist/ui/server/ (the build). */
export function assetsDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.resolve(here, '../assets'), path.resolve(here, '../../../ui/assets')];
  const found = candidates.find((d) => fs.existsSync(path.join(d, 'index.html')));
  if (!found) throw new Error(`the explorer's files are missing (looked in ${candidates.join(', ')})`);
  return found;
}

/** URL path -> file; `/` is index.html. */
export function loadAssets(dir: string): Map<string, Asset> {
  const out = new Map<string, Asset>();
  for (const name of fs.readdirSync(dir)) {
    const type = TYPES[path.extname(name)];
    if (!type) continue;
    out.set(`/${name}`, { body: fs.readFileSync(path.join(dir, name)), type });
  }
  const index = out.get('/index.html');
  if (index) out.set('/', index);
  return out;
}
