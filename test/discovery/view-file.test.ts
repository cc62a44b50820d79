import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  parseViewFile,
  readViewFile,
  VIEW_FILE_VERSION,
  type ViewFileContent,
  ViewFileError,
  ViewFileKeeper,
  writeViewFile,
} from '../../src/discovery/view-file.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meshnode-view-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const content = (members: ViewFileContent['members']): ViewFileContent => ({
  meshnode: VIEW_FILE_VERSION,
  key: 'k',
  env: 'dev',
  updatedAt: '2025-01-01T00:00:00.000Z',
  updatedBy: 'a',
  members,
});

describe('view file', () => {
  it('round-trips through an atomic write and leaves no temp file behind', async () => {
    const path = join(dir, 'view.json');
    const written = content([
      { id: 'a', address: '127.0.0.1:7946', threads: 2 },
      { id: 'b', address: '[::1]:7000', threads: 1 },
    ]);
    await writeViewFile(path, written);
    await expect(readViewFile(path)).resolves.toEqual({ kind: 'ok', content: written });
    expect(await readdir(dir)).toEqual(['view.json']);
  });

  it('reports a missing file as missing, not as an error', async () => {
    await expect(readViewFile(join(dir, 'absent.json'))).resolves.toEqual({ kind: 'missing' });
  });

  it.each([
    ['not JSON', '{"meshnode": 1, "members": [', /not valid JSON/],
    ['another format', '{"members": []}', /not a meshnode view file/],
    ['members not an array', '{"meshnode":1,"key":"k","env":"e","members":{}}', /"members" must be an array/],
    [
      'a bad address',
      '{"meshnode":1,"key":"k","env":"e","members":[{"id":"a","address":"nope","threads":1}]}',
      /members\[0\]\.address/,
    ],
    [
      'zero threads',
      '{"meshnode":1,"key":"k","env":"e","members":[{"id":"a","address":"1.2.3.4:5","threads":0}]}',
      /members\[0\]\.threads/,
    ],
  ])('rejects %s with a message naming the file and the problem', async (_name, text, pattern) => {
    const path = join(dir, 'bad.json');
    await writeFile(path, text);
    const error = await readViewFile(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ViewFileError);
    expect((error as Error).message).toContain(path);
    expect((error as Error).message).toMatch(pattern);
  });

  it('a reader racing many writers always sees a whole file', async () => {
    const path = join(dir, 'view.json');
    await writeViewFile(path, content([]));
    const writes = Array.from({ length: 40 }, (_, i) =>
      writeViewFile(
        path,
        content(
          Array.from({ length: 50 }, (_, j) => ({
            id: `n${i}-${j}`,
            address: `10.0.${i}.${j}:7946`,
            threads: 1,
          })),
        ),
      ),
    );
    const reads = Array.from({ length: 40 }, () =>
      readFile(path, 'utf8').then((text) => parseViewFile(path, text)),
    );
    await Promise.all([...writes, ...reads]);
    expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});

describe('ViewFileKeeper', () => {
  it('coalesces bursts, skips unchanged views and flushes on demand', async () => {
    const path = join(dir, 'view.json');
    const writes: number[] = [];
    const keeper = new ViewFileKeeper({
      path,
      key: 'k',
      env: 'dev',
      selfId: 'a',
      debounceMs: 5,
      onWrite: (members) => writes.push(members.length),
      onError: (error) => {
        throw error;
      },
    });
    const a = { id: 'a', address: '127.0.0.1:1', threads: 1 };
    const b = { id: 'b', address: '127.0.0.1:2', threads: 3 };
    keeper.update([a]);
    keeper.update([a, b]);
    await keeper.flush();
    keeper.update([a, b]);
    await keeper.flush();
    expect(writes).toEqual([2]);
    const read = await readViewFile(path);
    expect(read.kind === 'ok' && read.content.members).toEqual([a, b]);
    expect(read.kind === 'ok' && read.content.updatedBy).toBe('a');
    await keeper.close();
    keeper.update([a]);
    await keeper.flush();
    expect(writes).toEqual([2]);
  });

  it('merges with what the file lists: members the retain rule keeps survive a write that lacks them', async () => {
    const path = join(dir, 'view.json');
    const a = { id: 'a', address: '127.0.0.1:1', threads: 1 };
    const b = { id: 'b', address: '127.0.0.1:2', threads: 3 };
    const gone = { id: 'gone', address: '127.0.0.1:3', threads: 1 };
    await writeFile(path, JSON.stringify(content([b, gone])));
    const keeper = new ViewFileKeeper({
      path,
      key: 'k',
      env: 'dev',
      selfId: 'a',
      debounceMs: 1,
      retain: (member) => member.id !== 'gone',
    });
    keeper.update([a]);
    await keeper.flush();
    const read = await readViewFile(path);
    expect(read.kind === 'ok' && read.content.members).toEqual([a, b]);
  });

  it('without a retain rule the file is the update, as before', async () => {
    const path = join(dir, 'view.json');
    const a = { id: 'a', address: '127.0.0.1:1', threads: 1 };
    await writeFile(path, JSON.stringify(content([{ id: 'b', address: '127.0.0.1:2', threads: 3 }])));
    const keeper = new ViewFileKeeper({ path, key: 'k', env: 'dev', selfId: 'a', debounceMs: 1 });
    keeper.update([a]);
    await keeper.flush();
    const read = await readViewFile(path);
    expect(read.kind === 'ok' && read.content.members).toEqual([a]);
  });

  it('reports write errors instead of throwing', async () => {
    const errors: Error[] = [];
    const keeper = new ViewFileKeeper({
      path: join(dir, 'missing-dir', 'view.json'),
      key: 'k',
      env: 'dev',
      selfId: 'a',
      onError: (error) => errors.push(error),
    });
    keeper.update([{ id: 'a', address: '127.0.0.1:1', threads: 1 }]);
    await keeper.flush();
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toMatch(/ENOENT/);
  });
});
