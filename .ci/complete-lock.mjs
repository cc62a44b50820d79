#!/usr/bin/env node
// The npm registry reachable from our machines lacks some platform builds
// (Biome and msgpackr-extract for macOS, Windows, Android, musl, 32-bit ARM).
// npm then writes a package-lock.json without them, and `npm ci` refuses that
// lock ("Missing: ... from lock file"). This adds an entry for every missing
// optional dependency, marked with its os / cpu / libc, so that `npm ci`
// accepts the lock and skips those packages on machines that don't match.
//
// Run it after any `npm install` that rewrote the lock:  node .ci/complete-lock.mjs
import { readFileSync, writeFileSync } from 'node:fs';

const lockPath = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
const packages = lock.packages;

const OSES = ['darwin', 'win32', 'android', 'linux', 'freebsd', 'openbsd', 'netbsd', 'sunos', 'aix'];
const CPUS = ['arm64', 'x64', 'arm', 'ia32', 'ppc64', 's390x', 'riscv64', 'loong64'];

function platformOf(name) {
  const base = name.split('/').pop();
  const parts = base.split('-');
  const entry = {};
  const os = OSES.find((candidate) => parts.includes(candidate));
  const cpu = CPUS.find((candidate) => parts.includes(candidate));
  if (os !== undefined) entry.os = [os];
  if (cpu !== undefined) entry.cpu = [cpu];
  if (parts.includes('musl')) entry.libc = ['musl'];
  return entry;
}

let added = 0;
for (const [path, meta] of Object.entries(packages)) {
  for (const [name, range] of Object.entries(meta.optionalDependencies ?? {})) {
    const nested = `${path}/node_modules/${name}`;
    const hoisted = `node_modules/${name}`;
    if (packages[nested] !== undefined || packages[hoisted] !== undefined) continue;
    packages[hoisted] = {
      version: range.replace(/^[\^~=]/, ''),
      ...platformOf(name),
      ...(meta.dev === true ? { dev: true } : {}),
      optional: true,
    };
    added++;
    console.log(`added ${hoisted}@${packages[hoisted].version}`);
  }
}
writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
console.log(added === 0 ? 'package-lock.json was complete' : `added ${added} entries to package-lock.json`);
