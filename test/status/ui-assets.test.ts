/** The status page's files: served from the package and its dependencies, nothing else, with a strict CSP. */
import { afterEach, describe, expect, it } from 'vitest';
import { type StatusServer, startStatusServer } from '../../src/status/server.js';
import { fakeSource, rawRequest } from './helpers.js';

const servers: StatusServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(): Promise<string> {
  const server = await startStatusServer(fakeSource(), '127.0.0.1', 0);
  servers.push(server);
  return server.address;
}

describe('status page assets', () => {
  it('serves the page at / and /ui with a policy that allows only its own scripts and API', async () => {
    const address = await start();
    for (const path of ['/', '/ui', '/ui/']) {
      const response = await rawRequest(address, path);
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(response.body).toContain('<script type="module" src="/ui/app.js"></script>');
      const csp = String(response.headers['content-security-policy']);
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("connect-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      expect(response.headers['x-content-type-options']).toBe('nosniff');
    }
  });

  it('serves the page scripts and the vendored libraries from the installed packages', async () => {
    const address = await start();
    const expected: [string, string, string][] = [
      ['/ui/app.js', 'text/javascript', 'new EventSource('],
      ['/ui/view.js', 'text/javascript', 'export function MembersTable'],
      ['/ui/rtt-chart.js', 'text/javascript', 'new uPlot('],
      ['/ui/format.js', 'text/javascript', 'export function indexRange'],
      ['/ui/style.css', 'text/css', '.segment'],
      ['/ui/vendor/preact.mjs', 'text/javascript', 'export'],
      ['/ui/vendor/htm.mjs', 'text/javascript', 'export'],
      ['/ui/vendor/uplot.mjs', 'text/javascript', 'export'],
      ['/ui/vendor/uplot.css', 'text/css', '.uplot'],
    ];
    for (const [path, type, marker] of expected) {
      const response = await rawRequest(address, path);
      expect(response.status, path).toBe(200);
      expect(String(response.headers['content-type']), path).toContain(type);
      expect(response.body, path).toContain(marker);
    }
  });

  it('never maps a request path to a file outside its table', async () => {
    const address = await start();
    for (const path of [
      '/ui/../package.json',
      '/ui/%2e%2e/package.json',
      '/ui/format.d.ts',
      '/ui/vendor/x.mjs',
    ]) {
      expect((await rawRequest(address, path)).status, path).toBe(404);
    }
  });

  it('answers HEAD with headers only', async () => {
    const address = await start();
    const response = await rawRequest(address, '/ui/app.js', {}, 'HEAD');
    expect(response.status).toBe(200);
    expect(Number(response.headers['content-length'])).toBeGreaterThan(100);
    expect(response.body).toBe('');
  });
});
