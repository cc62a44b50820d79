/**
 * The status page's files: the page itself (src/status/ui in the package) and the
 * browser builds of its libraries, served straight from their installed
 * packages (preact, htm, uPlot are dependencies), so nothing is fetched from
 * elsewhere at run time and the user builds nothing. The table is fixed:
 * a request path never becomes a file path.
 */

import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Asset {
  readonly contentType: string;
  readonly body: Buffer;
}

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';
const HTML = 'text/html; charset=utf-8';

/** src/status/ui in the package, reached the same way from src/status and dist/status. */
const UI_DIR = fileURLToPath(new URL('../../src/status/ui/', import.meta.url));

const require = createRequire(import.meta.url);

/** The folder of an installed package, found from its entry point (not every package exports package.json). */
function packageDir(name: string): string {
  let dir = dirname(require.resolve(name));
  for (let depth = 0; depth < 8; depth++) {
    const manifest = join(dir, 'package.json');
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === name
    )
      return dir;
    dir = dirname(dir);
  }
  throw new Error(`cannot find the folder of the package ${name}`);
}

type Source = readonly [type: string, locate: () => string];

const page = (file: string, type: string): Source => [type, () => join(UI_DIR, file)];
const vendor = (pkg: string, file: string, type: string): Source => [type, () => join(packageDir(pkg), file)];

/** URL path -> where the file is. `/` and `/ui` are the page. */
const ASSETS: Readonly<Record<string, Source>> = {
  '/': page('index.html', HTML),
  '/ui': page('index.html', HTML),
  '/ui/app.js': page('app.js', JS),
  '/ui/view.js': page('view.js', JS),
  '/ui/format.js': page('format.js', JS),
  '/ui/rtt-chart.js': page('rtt-chart.js', JS),
  '/ui/style.css': page('style.css', CSS),
  '/ui/vendor/preact.mjs': vendor('preact', 'dist/preact.mjs', JS),
  '/ui/vendor/htm.mjs': vendor('htm', 'dist/htm.mjs', JS),
  '/ui/vendor/uplot.mjs': vendor('uplot', 'dist/uPlot.esm.js', JS),
  '/ui/vendor/uplot.css': vendor('uplot', 'dist/uPlot.min.css', CSS),
};

function isAssetPath(path: string): boolean {
  return Object.hasOwn(ASSETS, path);
}

/**
 * What the page may load and do: only this server's own files and API; no
 * inline script, so markup that slipped through escaping could not run.
 */
export const PAGE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** Loads each file once per process (they are small and never change while it runs). */
export class AssetStore {
  private readonly cache = new Map<string, Promise<Asset>>();

  get(path: string): Promise<Asset> | undefined {
    if (!isAssetPath(path)) return undefined;
    let asset = this.cache.get(path);
    if (asset === undefined) {
      const [contentType, locate] = ASSETS[path] as Source;
      asset = Promise.resolve()
        .then(() => readFile(locate()))
        .then((body) => ({ contentType, body }));
      // A failed read (a broken install) is retried on the next request, not cached.
      asset.catch(() => this.cache.delete(path));
      this.cache.set(path, asset);
    }
    return asset;
  }
}
