/** The agent's status API flags, end to end: real `meshnode agent` processes from the build. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StatusResponse } from '../../src/status/responses.js';
import { runCli, TestBed, WAIT_MS } from '../cli/helpers.js';
import { rawRequest, SseReader } from './helpers.js';

let bed: TestBed;
beforeEach(async () => {
  bed = await new TestBed().open();
});
afterEach(async () => {
  await bed.close();
});

const TOKEN = 'agent-token-0123456789abcdef';

describe('agent status API flags', () => {
  it('--http-token-file: only the holder of the token sees the key, in /v1/status and in /v1/events', async () => {
    const tokenFile = await bed.writeConfig('token', `${TOKEN}\n`);
    const agent = bed.agent('tokened', ['--http-token-file', tokenFile]);
    const { http } = await bed.started(agent);
    const auth = { authorization: `Bearer ${TOKEN}` };

    const anonymous = JSON.parse((await rawRequest(http, '/v1/status')).body) as StatusResponse;
    expect(anonymous).toMatchObject({ id: 'tokened', env: bed.env, key: null, pid: null, redacted: true });
    const authorized = JSON.parse((await rawRequest(http, '/v1/status', auth)).body) as StatusResponse;
    expect(authorized).toMatchObject({ key: bed.key, pid: agent.pid, redacted: false });

    // The stream carries the agent's own --json events, under the same names.
    const open: SseReader[] = [];
    try {
      for (const headers of [{}, auth])
        open.push(await SseReader.open(http, '/v1/events?history=50', headers));
      const [plain, full] = open as [SseReader, SseReader];
      const hasStart = (r: SseReader) => r.events.some((e) => e.type === 'start');
      await plain.until('the start event', hasStart, WAIT_MS);
      await full.until('the start event', hasStart, WAIT_MS);
      const printed = await agent.waitFor('start', (e) => e.event === 'start', WAIT_MS);
      const { event: _name, ...fields } = printed;
      expect(full.events.find((e) => e.type === 'start')).toEqual({ type: 'start', ...fields });
      const redacted = plain.events.find((e) => e.type === 'start');
      expect(redacted).toMatchObject({ type: 'start', id: 'tokened', env: bed.env });
      expect(redacted).not.toHaveProperty('key');
      expect(redacted).not.toHaveProperty('pid');
    } finally {
      for (const reader of open) reader.close();
    }
  });

  it('refuses an unusable token file (exit 3) and a bad connection cap (exit 2)', async () => {
    const short = await bed.writeConfig('short', 'abc');
    const common = ['agent', '-k', bed.key, '-e', bed.env, '--bind', '127.0.0.1:0', '--http', '127.0.0.1:0'];
    const missing = await runCli([...common, '--http-token-file', `${bed.dir}/nope`]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('--http-token-file: token file');
    expect(missing.stderr).toContain('no such file');
    const tooShort = await runCli([...common, '--http-token-file', short]);
    expect(tooShort.code).toBe(3);
    expect(tooShort.stderr).toContain('at least 16 characters');
    const cap = await runCli([...common, '--http-max-connections', '0']);
    expect(cap.code).toBe(2);
    expect(cap.stderr).toContain('--http-max-connections must be an integer between 1 and 65535');
  });
});
