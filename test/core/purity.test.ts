/**
 * The protocol core is pure: no Node builtins, no packages, no clock, no
 * timers, no Math.random, and runtime imports only within src/core plus the
 * codec's pure-arithmetic files. This test reads the sources as text, so it
 * needs no build and also guards files that are never executed by tests.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, posix, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CORE_DIR = 'src/core';
/**
 * Codec files the core may still reach at run time: the bounds, which now
 * live in src/core and are re-exported there. Sizes come from the wire
 * format the host hands the core, never from a codec import.
 */
const PURE_CODEC_FILES = new Set(['src/codec/limits.ts']);

const BANNED: ReadonlyArray<[RegExp, string]> = [
  [/\bDate\s*\.\s*now\b/, 'reads the clock (Date.now)'],
  [/\bperformance\s*\.\s*now\b/, 'reads the clock (performance.now)'],
  [/\bnew\s+Date\b/, 'reads the clock (new Date)'],
  [/\bprocess\s*\./, 'touches process'],
  [/\bMath\s*\.\s*random\b/, 'calls Math.random'],
  [/\bset(?:Timeout|Interval|Immediate)\b/, 'uses a timer'],
  [/\bclear(?:Timeout|Interval|Immediate)\b/, 'uses a timer'],
  [/\bqueueMicrotask\b/, 'schedules work'],
  [/\bBuffer\b/, 'uses the Node Buffer'],
  [/\bglobalThis\b/, 'reaches for globals'],
  [/\brequire\s*\(/, 'calls require'],
  [/\bimport\s*\(/, 'imports dynamically'],
];

const builtins = new Set(builtinModules.map((name) => name.replace(/^node:/, '')));

/** Removes comments, keeping string and template contents (stricter than needed). */
function stripComments(source: string): string {
  let out = '';
  let i = 0;
  while (i < source.length) {
    const char = source[i] as string;
    const next = source[i + 1];
    if (char === '/' && next === '/') {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (char === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      i = end < 0 ? source.length : end + 2;
      out += ' ';
    } else if (char === "'" || char === '"' || char === '`') {
      let j = i + 1;
      while (j < source.length && source[j] !== char) j += source[j] === '\\' ? 2 : 1;
      out += source.slice(i, j + 1);
      i = j + 1;
    } else {
      out += char;
      i++;
    }
  }
  return out;
}

interface ImportRef {
  readonly specifier: string;
  readonly typeOnly: boolean;
}

function importsOf(code: string): ImportRef[] {
  const refs: ImportRef[] = [];
  const fromClause = /\b(import|export)\s+(type\s+)?[^;'"]*?\bfrom\s*['"]([^'"]+)['"]/g;
  for (const match of code.matchAll(fromClause)) {
    refs.push({ specifier: match[3] as string, typeOnly: match[2] !== undefined });
  }
  for (const match of code.matchAll(/\bimport\s*['"]([^'"]+)['"]/g)) {
    refs.push({ specifier: match[1] as string, typeOnly: false });
  }
  return refs;
}

/** Resolves a relative specifier from `file` (both repo-relative) to the .ts source it names. */
function resolveRelative(file: string, specifier: string): string {
  return posix.normalize(posix.join(posix.dirname(file), specifier)).replace(/\.js$/, '.ts');
}

const isCoreFile = (path: string) =>
  path.startsWith(`${CORE_DIR}/`) && !path.slice(CORE_DIR.length + 1).includes('/');

/**
 * Everything impure about one source file. `file` is its repo-relative path;
 * runtime imports must stay in src/core or the pure codec files, type-only
 * imports anywhere in src/ (they are erased), never a builtin or a package.
 */
function impurities(source: string, file: string): string[] {
  const problems: string[] = [];
  const code = stripComments(source);
  for (const [pattern, why] of BANNED) {
    if (pattern.test(code)) problems.push(`${file} ${why}`);
  }
  for (const { specifier, typeOnly } of importsOf(code)) {
    const bare = specifier.replace(/^node:/, '').split('/')[0] as string;
    if (specifier.startsWith('node:') || builtins.has(bare)) {
      problems.push(`${file} imports the Node builtin "${specifier}"`);
    } else if (!specifier.startsWith('.')) {
      problems.push(`${file} imports the package "${specifier}"`);
    } else {
      const target = resolveRelative(file, specifier);
      const allowed = typeOnly
        ? target.startsWith('src/')
        : isCoreFile(target) || PURE_CODEC_FILES.has(target);
      if (!allowed) problems.push(`${file} imports "${specifier}" (${target}), outside the pure core`);
    }
  }
  return problems;
}

function read(path: string): string {
  return readFileSync(join(ROOT, path), 'utf8');
}

const coreFiles = readdirSync(join(ROOT, CORE_DIR))
  .filter((name) => name.endsWith('.ts'))
  .map((name) => `${CORE_DIR}/${name}`);

describe('purity checker', () => {
  const file = 'src/core/sample.ts';

  it.each([
    ["import { readFileSync } from 'node:fs';", 'Node builtin'],
    ["import dgram from 'dgram';", 'Node builtin'],
    ["import { randomBytes } from 'crypto';", 'Node builtin'],
    ["import { setTimeout as wait } from 'timers/promises';", 'Node builtin'],
    ["import * as net from 'net';", 'Node builtin'],
    ["export { Socket } from 'node:net';", 'Node builtin'],
    ["import 'node:process';", 'Node builtin'],
    ["import { Packr } from 'msgpackr';", 'package'],
    ["import { encodePacket } from '../codec/message-codec.js';", 'outside the pure core'],
    ["import { packWithEnvelope } from '../codec/msgpack.js';", 'outside the pure core'],
    ["import { valueBytes } from '../codec/sizes.js';", 'outside the pure core'],
    ["import { ENVELOPE_BYTES } from '../codec/envelope.js';", 'outside the pure core'],
    ["import { UdpTransport } from '../runtime/udp.js';", 'outside the pure core'],
    ["import { x } from './nested/deep.js';", 'outside the pure core'],
    ['const now = Date.now();', 'Date.now'],
    ['const t = performance.now();', 'performance.now'],
    ['const d = new Date();', 'new Date'],
    ['setTimeout(() => tick(), 10);', 'timer'],
    ['const h = setInterval(tick, 10);', 'timer'],
    ['setImmediate(tick);', 'timer'],
    ['const env = process.env.DEBUG;', 'process'],
    ['const r = Math.random();', 'Math.random'],
    ["const m = await import('node:fs');", 'dynamically'],
    ["const fs = require('fs');", 'require'],
  ])('flags %s', (sample, why) => {
    const found = impurities(sample, file);
    expect(found.length).toBeGreaterThan(0);
    expect(found.join('\n')).toContain(why);
  });

  it.each([
    ["import { Awareness } from './awareness.js';"],
    ["import type { Message } from './messages.js';"],
    ["import { UINT32_MAX } from '../codec/limits.js';"],
    ["import type { DecodeDropReason } from '../codec/types.js';"],
    ['// the core never calls Math.random or Date.now()'],
    ['/* no setTimeout here, no process.env */ const x = 1;'],
    ['const now = this.nowMs; const dated = update.date;'],
  ])('accepts %s', (sample) => {
    expect(impurities(sample, file)).toEqual([]);
  });

  it('strips comments but not code after a string holding comment markers', () => {
    expect(stripComments("const a = '//'; Date.now();")).toContain('Date.now');
    expect(stripComments('const a = "/*"; Math.random(); // */')).toContain('Math.random');
  });
});

describe('src/core is pure', () => {
  it('has the expected source files', () => {
    expect(coreFiles).toEqual(expect.arrayContaining([`${CORE_DIR}/core.ts`, `${CORE_DIR}/random.ts`]));
  });

  it.each(coreFiles)('%s', (path) => {
    expect(impurities(read(path), path)).toEqual([]);
  });

  it('reaches only pure files through its runtime imports, transitively', () => {
    const seen = new Set<string>();
    const pending = [...coreFiles];
    const problems: string[] = [];
    while (pending.length > 0) {
      const path = pending.pop() as string;
      if (seen.has(path)) continue;
      seen.add(path);
      const source = read(path);
      problems.push(...impurities(source, path));
      for (const { specifier, typeOnly } of importsOf(stripComments(source))) {
        if (!typeOnly && specifier.startsWith('.')) pending.push(resolveRelative(path, specifier));
      }
    }
    expect(problems).toEqual([]);
    for (const path of seen) expect(isCoreFile(path) || PURE_CODEC_FILES.has(path)).toBe(true);
    expect(seen.has('src/codec/sizes.ts')).toBe(false);
  });
});
