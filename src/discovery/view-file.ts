/**
 * The view file (Flock's "file" bootstrap): a JSON list of the members a node
 * saw last. At start an agent joins through the addresses in it; while it
 * runs it keeps the file current so that the next process (or a restart)
 * can bootstrap from it. Writes are atomic (temp file in the same directory,
 * fsync, rename): a reader sees the old file or the new one, never half.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parseAddress } from '../core/address.js';
import { MeshError } from '../core/errors.js';

/** Format version written in the "meshnode" field. */
export const VIEW_FILE_VERSION = 1;
/** Files larger than this are refused as corrupt (a view of 20,000 members is about 2 MB). */
export const VIEW_FILE_BYTES_MAX = 16 * 1024 * 1024;

export interface ViewFileMember {
  readonly id: string;
  readonly address: string;
  readonly threads: number;
}

export interface ViewFileContent {
  readonly meshnode: typeof VIEW_FILE_VERSION;
  readonly key: string;
  readonly env: string;
  /** ISO time of the write. */
  readonly updatedAt: string;
  /** Id of the node that wrote it. */
  readonly updatedBy: string;
  readonly members: readonly ViewFileMember[];
}

/** The view file exists but cannot be used (unreadable, not JSON, wrong shape, other cluster). */
export class ViewFileError extends MeshError {
  readonly path: string;
  constructor(path: string, reason: string, options?: { cause?: unknown }) {
    super('ERR_MESH_VIEW_FILE', `view file ${path}: ${reason}`, options);
    this.path = path;
  }
}

export type ViewFileRead =
  | { readonly kind: 'missing' }
  | { readonly kind: 'ok'; readonly content: ViewFileContent };

/** Reads and validates a view file. A missing file is not an error; anything else wrong is a ViewFileError. */
export async function readViewFile(path: string): Promise<ViewFileRead> {
  let text: string;
  try {
    const handle = await open(path, 'r');
    try {
      const { size } = await handle.stat();
      if (size > VIEW_FILE_BYTES_MAX)
        throw new ViewFileError(path, `larger than ${VIEW_FILE_BYTES_MAX} bytes`);
      text = await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (error instanceof ViewFileError) throw error;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    throw new ViewFileError(path, `cannot read: ${(error as Error).message}`, { cause: error });
  }
  return { kind: 'ok', content: parseViewFile(path, text) };
}

/** Validates the text of a view file field by field. */
export function parseViewFile(path: string, text: string): ViewFileContent {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ViewFileError(path, `not valid JSON (${(error as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ViewFileError(path, 'must hold a JSON object');
  }
  const record = json as Record<string, unknown>;
  if (record.meshnode !== VIEW_FILE_VERSION) {
    throw new ViewFileError(path, `not a meshnode view file (expected "meshnode": ${VIEW_FILE_VERSION})`);
  }
  if (typeof record.key !== 'string' || typeof record.env !== 'string') {
    throw new ViewFileError(path, '"key" and "env" must be strings');
  }
  if (!Array.isArray(record.members)) throw new ViewFileError(path, '"members" must be an array');
  const members: ViewFileMember[] = record.members.map((entry: unknown, i: number) => {
    if (typeof entry !== 'object' || entry === null)
      throw new ViewFileError(path, `members[${i}] must be an object`);
    const { id, address, threads } = entry as Record<string, unknown>;
    if (typeof id !== 'string' || id.length === 0)
      throw new ViewFileError(path, `members[${i}].id must be a string`);
    if (typeof address !== 'string' || parseAddress(address) === undefined) {
      throw new ViewFileError(
        path,
        `members[${i}].address must be "host:port", got ${JSON.stringify(address)}`,
      );
    }
    if (typeof threads !== 'number' || !Number.isInteger(threads) || threads < 1) {
      throw new ViewFileError(path, `members[${i}].threads must be a positive integer`);
    }
    return { id, address, threads };
  });
  return {
    meshnode: VIEW_FILE_VERSION,
    key: record.key,
    env: record.env,
    updatedAt: typeof record.updatedAt === 'string' ? record.updatedAt : '',
    updatedBy: typeof record.updatedBy === 'string' ? record.updatedBy : '',
    members,
  };
}

/** Writes `content` to `path` atomically: temp file beside it, fsync, rename over. */
export async function writeViewFile(path: string, content: ViewFileContent): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const text = `${JSON.stringify(content, null, 2)}\n`;
  try {
    const handle = await open(temp, 'wx', 0o644);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
}

export interface ViewFileKeeperOptions {
  readonly path: string;
  readonly key: string;
  readonly env: string;
  readonly selfId: string;
  /** Coalesces bursts of changes into one write. Default 100 ms. */
  readonly debounceMs?: number;
  readonly onError?: (error: Error) => void;
  readonly onWrite?: (members: readonly ViewFileMember[]) => void;
  /**
   * Members already in the file but not in the update are kept when this
   * says so (default: never). Agents started together through one file would
   * otherwise each write only themselves, and the last writer would erase
   * the others: merge, don't clobber.
   */
  readonly retain?: (member: ViewFileMember) => boolean;
}

/**
 * Keeps a view file current: update() with the latest members schedules a
 * write (debounced, one at a time, skipped when nothing changed); flush()
 * waits for the last one.
 */
export class ViewFileKeeper {
  private readonly options: ViewFileKeeperOptions;
  private pending: readonly ViewFileMember[] | undefined;
  private lastWritten = '';
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private closed = false;

  constructor(options: ViewFileKeeperOptions) {
    this.options = options;
  }

  update(members: readonly ViewFileMember[]): void {
    if (this.closed) return;
    this.pending = members.map(({ id, address, threads }) => ({ id, address, threads }));
    if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.drain();
      }, this.options.debounceMs ?? 100);
    }
  }

  /** Writes what is pending now and waits for every write to finish. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.drain();
  }

  /** Flushes, then ignores later updates. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  private async drain(): Promise<void> {
    while (this.writing !== undefined) await this.writing;
    const update = this.pending;
    this.pending = undefined;
    if (update === undefined) return;
    const members = await this.mergedWithFile(update);
    const signature = JSON.stringify(members);
    if (signature === this.lastWritten) return;
    const { path, key, env, selfId } = this.options;
    const content: ViewFileContent = {
      meshnode: VIEW_FILE_VERSION,
      key,
      env,
      updatedAt: new Date().toISOString(),
      updatedBy: selfId,
      members,
    };
    this.writing = writeViewFile(path, content).then(
      () => {
        this.lastWritten = signature;
        this.options.onWrite?.(members);
      },
      (error: Error) => this.options.onError?.(error),
    );
    try {
      await this.writing;
    } finally {
      this.writing = undefined;
    }
  }

  private async mergedWithFile(update: readonly ViewFileMember[]): Promise<readonly ViewFileMember[]> {
    const retain = this.options.retain;
    if (retain === undefined) return update;
    let current: ViewFileRead;
    try {
      current = await readViewFile(this.options.path);
    } catch {
      return update; // Unreadable: it is about to be replaced by a good one.
    }
    if (
      current.kind !== 'ok' ||
      current.content.key !== this.options.key ||
      current.content.env !== this.options.env
    ) {
      return update;
    }
    const ids = new Set(update.map((member) => member.id));
    const kept = current.content.members.filter((member) => !ids.has(member.id) && retain(member));
    return [...update, ...kept];
  }
}
