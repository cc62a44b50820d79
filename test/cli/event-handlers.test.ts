/** --event-handler: the spec, what a run is told, and the runner's order, limits and kills (real processes). */
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  handlerEnv,
  handlerEventName,
  handlerInput,
  parseHandlerSpec,
  specMatches,
} from '../../src/cli/event-handler-spec.js';
import { EventHandlers, type RunResult } from '../../src/cli/event-handlers.js';
import { ValueError } from '../../src/cli/values.js';

const SELF = {
  id: 'me',
  address: '127.0.0.1:7946',
  index: 2,
  threads: 3,
  total: 9,
  viewId: '0000abcd',
  settled: true,
  metadata: { 'dc.zone': 'east' },
};
const JOIN = {
  type: 'join',
  id: 'b',
  address: '127.0.0.1:7001',
  threads: 1,
  index: 5,
  state: 'alive',
  metadata: { role: 'web' },
};

function logger() {
  const warnings: { obj: Record<string, unknown>; msg: string }[] = [];
  return {
    warnings,
    debug: () => {},
    info: () => {},
    error: () => {},
    warn: (obj: object, msg?: string) =>
      warnings.push({ obj: obj as Record<string, unknown>, msg: msg ?? '' }),
  };
}

describe('the handler spec', () => {
  it('splits a filter list from the program, and keeps a path with "=" whole', () => {
    expect(parseHandlerSpec('--event-handler', 'member-join,user:deploy=/bin/x')).toEqual({
      text: 'member-join,user:deploy=/bin/x',
      path: '/bin/x',
      filters: ['member-join', 'user:deploy'],
    });
    expect(parseHandlerSpec('--event-handler', '/opt/a=b/run')).toMatchObject({
      path: '/opt/a=b/run',
      filters: [],
    });
    expect(parseHandlerSpec('--event-handler', '*=/bin/x').filters).toEqual([]);
    expect(() => parseHandlerSpec('--event-handler', 'member-joins=/bin/x')).toThrow(ValueError);
    expect(() => parseHandlerSpec('--event-handler', 'member-join=')).toThrow(/names no program/);
  });

  it('names events the Serf way and matches user events by name or all of them', () => {
    expect(handlerEventName(JOIN)).toBe('member-join');
    expect(handlerEventName({ type: 'rebalance' })).toBe('rebalance');
    expect(handlerEventName({ type: 'user', name: 'deploy' })).toBe('user:deploy');
    expect(handlerEventName({ type: 'start' })).toBeUndefined();
    const spec = parseHandlerSpec('f', 'user=/x');
    expect(specMatches(spec, 'user:deploy')).toBe(true);
    expect(specMatches(spec, 'member-join')).toBe(false);
    expect(specMatches(parseHandlerSpec('f', 'user:a=/x'), 'user:b')).toBe(false);
  });

  it('tells the run who it is and what happened: env and stdin', () => {
    const env = handlerEnv('member-join', JOIN, SELF);
    expect(env).toMatchObject({
      MESHNODE_EVENT: 'member-join',
      MESHNODE_SELF_ID: 'me',
      MESHNODE_INDEX: '2',
      MESHNODE_THREADS: '3',
      MESHNODE_TOTAL: '9',
      MESHNODE_SETTLED: '1',
      MESHNODE_TAG_DC_ZONE: 'east',
    });
    expect(handlerInput('member-join', JOIN)).toBe('b\t127.0.0.1:7001\talive\t1\t5\trole=web\n');
    const user = { type: 'user', name: 'deploy', payload: 'v1.2', ltime: 7, from: 'x' };
    expect(handlerEnv('user:deploy', user, SELF)).toMatchObject({
      MESHNODE_EVENT: 'user',
      MESHNODE_USER_EVENT: 'deploy',
      MESHNODE_USER_LTIME: '7',
    });
    expect(handlerInput('user:deploy', user)).toBe('v1.2');
    expect(JSON.parse(handlerInput('rebalance', { type: 'rebalance', index: 1 }))).toEqual({
      type: 'rebalance',
      index: 1,
    });
  });
});

describe('running handlers', () => {
  let dir = '';
  const open: EventHandlers[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'meshnode-handlers-'));
  });
  afterEach(async () => {
    for (const handlers of open.splice(0)) handlers.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function script(name: string, body: string): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, `#!/bin/sh\n${body}\n`);
    await chmod(path, 0o755);
    return path;
  }

  function runner(specs: string[], limits = {}, log = logger()) {
    const results: RunResult[] = [];
    const handlers = new EventHandlers({
      specs: specs.map((text) => parseHandlerSpec('--event-handler', text)),
      self: () => SELF,
      logger: log,
      limits,
      onRun: (result) => results.push(result),
    });
    open.push(handlers);
    return { handlers, results, log };
  }

  it('hands one handler its events in order, with env and stdin', async () => {
    const out = join(dir, 'out.txt');
    const path = await script(
      'record.sh',
      `printf '%s %s %s\\n' "$MESHNODE_EVENT" "$MESHNODE_TOTAL" "$(cut -f1)" >> ${out}`,
    );
    const { handlers, results } = runner([`member-join,member-fail=${path}`]);
    for (const id of ['b', 'c', 'd']) handlers.dispatch({ ...JOIN, id });
    handlers.dispatch({ type: 'rebalance', index: 0 });
    handlers.dispatch({ ...JOIN, type: 'fail', id: 'b' });
    await handlers.idle();
    expect((await readFile(out, 'utf8')).trim().split('\n')).toEqual([
      'member-join 9 b',
      'member-join 9 c',
      'member-join 9 d',
      'member-fail 9 b',
    ]);
    expect(results.every((result) => result.ok)).toBe(true);
  });

  it('runs at most `concurrency` at once across handlers', async () => {
    const slow = await script('slow.sh', 'sleep 0.3');
    const { handlers } = runner([`${slow}`, `member-join=${slow}`, `rebalance,member-join=${slow}`], {
      concurrency: 2,
    });
    handlers.dispatch(JOIN);
    expect(handlers.running).toBe(2);
    await handlers.idle();
    expect(handlers.running).toBe(0);
  });

  it('logs a failing run with its exit code and stderr, and goes on', async () => {
    const failing = await script('fail.sh', 'echo broken >&2; exit 3');
    const { handlers, results, log } = runner([failing]);
    handlers.dispatch(JOIN);
    handlers.dispatch(JOIN);
    await handlers.idle();
    expect(results.map((result) => [result.ok, result.exitCode])).toEqual([
      [false, 3],
      [false, 3],
    ]);
    expect(log.warnings[0]).toMatchObject({
      msg: 'event handler failed',
      obj: { exitCode: 3, stderr: 'broken' },
    });
  });

  it('kills a run past its time limit, with whatever it started, even if it ignores SIGTERM', async () => {
    const stubborn = await script('stubborn.sh', "trap '' TERM; sleep 30 & sleep 30");
    const { handlers, results, log } = runner([stubborn], { timeoutMs: 200, killGraceMs: 200 });
    handlers.dispatch(JOIN);
    await handlers.idle();
    expect(results[0]).toMatchObject({ ok: false, timedOut: true });
    expect(log.warnings[0]?.msg).toBe('event handler timed out and was killed');
  });

  it('reports a program that cannot be started', async () => {
    const { handlers, results, log } = runner([join(dir, 'missing.sh')]);
    handlers.dispatch(JOIN);
    await handlers.idle();
    expect(results[0]?.error).toMatch(/ENOENT/);
    expect(log.warnings[0]?.msg).toBe('event handler could not be started');
  });

  it('drops events for a handler that falls behind, and says so', async () => {
    const slow = await script('slow.sh', 'sleep 0.2');
    const { handlers, results, log } = runner([slow], { queueMax: 2 });
    for (let i = 0; i < 6; i++) handlers.dispatch({ ...JOIN, id: `m${i}` });
    await handlers.idle();
    // One running, two waiting: three ran, three were dropped.
    expect(results).toHaveLength(3);
    expect(log.warnings.filter((w) => w.msg.includes('falling behind')).map((w) => w.obj.dropped)).toEqual([
      1, 2,
    ]);
  });

  it('a reload keeps the order of handlers given again and stops feeding removed ones', async () => {
    const out = join(dir, 'out.txt');
    const a = await script('a.sh', `echo a >> ${out}`);
    const b = await script('b.sh', `echo b >> ${out}`);
    const { handlers } = runner([a]);
    handlers.replace([parseHandlerSpec('f', b)]);
    handlers.dispatch(JOIN);
    await handlers.idle();
    expect((await readFile(out, 'utf8')).trim()).toBe('b');
    expect(handlers.handlers).toEqual([b]);
  });
});
