/**
 * The layering rules in .biome.json, checked against sample files: each
 * sample is written into a scratch copy of the source tree and linted with
 * the project's own configuration, so the test fails if a rule stops biting
 * or starts rejecting an import the architecture allows.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIOME = join(ROOT, 'node_modules/.bin/biome');

const IMPORT = 'lint/style/noRestrictedImports';
const GLOBAL = 'lint/style/noRestrictedGlobals';

/** [file under src, source, the rule that must reject it (undefined: accepted)] */
const SAMPLES: ReadonlyArray<readonly [string, string, string | undefined]> = [
  // The core: no builtin, no package, no codec beyond the pure files, no layer above, no clock or timer.
  ['core/s1.ts', "import { readFileSync } from 'node:fs';", IMPORT],
  ['core/s2.ts', "import dgram from 'dgram';", IMPORT],
  ['core/s3.ts', "export { Socket } from 'node:net';", IMPORT],
  ['core/s4.ts', "import 'node:process';", IMPORT],
  ['core/s5.ts', "import { Packr } from 'msgpackr';", IMPORT],
  ['core/s6.ts', "import { encodePacket } from '../codec/message-codec.js';", IMPORT],
  ['core/s7.ts', "import { packWithEnvelope } from '../codec/msgpack.js';", IMPORT],
  ['core/s8.ts', "import { UdpTransport } from '../runtime/udp.js';", IMPORT],
  ['core/s9.ts', "export const m = await import('node:fs');", IMPORT],
  ['core/s10.ts', 'export const now = Date.now();', GLOBAL],
  ['core/s11.ts', 'export const d = new Date();', GLOBAL],
  ['core/s12.ts', 'export const t = performance.now();', GLOBAL],
  ['core/s13.ts', 'setTimeout(() => undefined, 10);', GLOBAL],
  ['core/s14.ts', 'export const h = setInterval(() => undefined, 10);', GLOBAL],
  ['core/s15.ts', 'export const env = process.env.DEBUG;', GLOBAL],
  ['core/s16.ts', "export const b = Buffer.from('x');", GLOBAL],
  ['core/s17.ts', 'export const g = globalThis;', GLOBAL],
  ['core/s18.ts', "export const fs = require('fs');", GLOBAL],
  ['core/s19.ts', 'queueMicrotask(() => undefined);', GLOBAL],
  ['core/ok1.ts', "import { Awareness } from './awareness.js';\nexport { Awareness };", undefined],
  ['core/ok2.ts', "import { UINT32_MAX } from '../codec/limits.js';\nexport { UINT32_MAX };", undefined],
  ['core/ok3.ts', "import { messageBytes } from '../codec/sizes.js';\nexport { messageBytes };", undefined],
  [
    'core/ok4.ts',
    'export function later(nowMs: number, Date: number): number {\n  return nowMs + Date;\n}',
    undefined,
  ],
  // The codec files the core imports stay pure in turn.
  ['codec/sizes.ts', "import { Packr } from 'msgpackr';\nexport { Packr };", IMPORT],
  ['codec/limits.ts', 'export const now = Date.now();', GLOBAL],
  ['codec/msgpack.ts', "import { Packr } from 'msgpackr';\nexport { Packr };", undefined],
  ['codec/s1.ts', "import { Runtime } from '../runtime/runtime.js';\nexport { Runtime };", IMPORT],
  ['codec/s2.ts', "import { readFileSync } from 'node:fs';\nexport { readFileSync };", IMPORT],
  ['codec/ok1.ts', "import { randomBytes } from 'node:crypto';\nexport { randomBytes };", undefined],
  ['codec/ok2.ts', "import { deflateRawSync } from 'node:zlib';\nexport { deflateRawSync };", undefined],
  // The runtime does not reach up, bind.ts included (BindError lives in runtime/errors.ts).
  ['runtime/s1.ts', "import { JoinError } from '../node/errors.js';\nexport { JoinError };", IMPORT],
  ['runtime/s2.ts', "import type { NodeStats } from '../node/types.js';\nexport type { NodeStats };", IMPORT],
  ['runtime/s3.ts', "import { Simulation } from '../sim/simulation.js';\nexport { Simulation };", IMPORT],
  ['runtime/s4.ts', "import { x } from '../../src/node/node.js';\nexport { x };", IMPORT],
  ['runtime/bind.ts', "import { BindError } from '../node/errors.js';\nexport { BindError };", IMPORT],
  ['runtime/ok1.ts', "import { createSocket } from 'node:dgram';\nexport { createSocket };", undefined],
  ['runtime/ok2.ts', "import { lookup } from 'node:dns/promises';\nexport { lookup };", undefined],
  // The simulator: core and codec only, no Node builtin.
  ['sim/s1.ts', "import { readFile } from 'node:fs/promises';\nexport { readFile };", IMPORT],
  ['sim/s2.ts', "import { Runtime } from '../runtime/runtime.js';\nexport { Runtime };", IMPORT],
  ['sim/ok1.ts', "import { MeshCore } from '../core/core.js';\nexport { MeshCore };", undefined],
  // The library does not know the CLI or its helpers.
  ['node/s1.ts', "import { SeedJoiner } from '../discovery/seeds.js';\nexport { SeedJoiner };", IMPORT],
  ['node/s2.ts', "import { main } from '../cli/main.js';\nexport { main };", IMPORT],
  ['node/ok1.ts', "import { Runtime } from '../runtime/runtime.js';\nexport { Runtime };", undefined],
  ['discovery/s1.ts', "import { main } from '../cli/main.js';\nexport { main };", IMPORT],
  ['discovery/s2.ts', "import { Runtime } from '../runtime/runtime.js';\nexport { Runtime };", IMPORT],
  ['status/s1.ts', "import { SeedJoiner } from '../discovery/seeds.js';\nexport { SeedJoiner };", IMPORT],
  [
    'status/ok1.ts',
    "import type { NodeStats } from '../node/types.js';\nexport type { NodeStats };",
    undefined,
  ],
  ['hashing/s1.ts', "import { MeshCore } from '../core/core.js';\nexport { MeshCore };", IMPORT],
  ['hashing/ok1.ts', "import { compareUtf8 } from '../core/utf8.js';\nexport { compareUtf8 };", undefined],
  ['cli/ok1.ts', "import { Simulation } from '../sim/simulation.js';\nexport { Simulation };", undefined],
  ['cli/s1.ts', "import { x } from '../../test/node/helpers.js';\nexport { x };", IMPORT],
  ['index.ts', "export { Simulation } from './sim/simulation.js';", IMPORT],
];

interface Diagnostic {
  readonly category: string;
  readonly location: { readonly path: string };
}

let scratch = '';
let flagged = new Map<string, string[]>();

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'meshnode-layering-'));
  copyFileSync(join(ROOT, '.biome.json'), join(scratch, 'biome.json'));
  for (const [file, source] of SAMPLES) {
    const path = join(scratch, 'src', file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${source}\n`);
  }
  const run = spawnSync(
    BIOME,
    [
      'lint',
      '--vcs-enabled=false',
      '--reporter=json',
      '--max-diagnostics=none',
      '--only=style/noRestrictedImports',
      '--only=style/noRestrictedGlobals',
      'src',
    ],
    { cwd: scratch, encoding: 'utf8', timeout: 30_000 },
  );
  const report = JSON.parse(run.stdout) as { diagnostics: Diagnostic[] };
  flagged = new Map();
  for (const { category, location } of report.diagnostics) {
    const file = location.path.replace(/^src\//, '');
    flagged.set(file, [...(flagged.get(file) ?? []), category]);
  }
});

afterAll(() => {
  if (scratch !== '') rmSync(scratch, { recursive: true, force: true });
});

describe('layering rules', () => {
  it.each(SAMPLES)('src/%s: %s (rejected by: %s)', (file, _source, rule) => {
    expect(flagged.get(file)).toEqual(rule === undefined ? undefined : [rule]);
  });
});
