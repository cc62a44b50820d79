#!/usr/bin/env node
/**
 * Finds module-level mutable state and Math.random in the protocol core.
 * Biome's import and global rules (see .biome.json) keep the core free of I/O,
 * clocks and timers, but they cannot see a `let` at the top of a file or a Map
 * shared by every core in a process: state like that leaks between the
 * thousands of cores one simulation runs, and between tests. Run by
 * `npm run lint`; `moduleStateProblems` is exported for its test.
 *
 * It reads source text, not an AST (TypeScript 7 has no JavaScript API to
 * parse with), so it first blanks comments, strings and regex literals, then
 * looks at the statements at brace depth 0 and at the static members of
 * top-level classes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CHECKED_DIRS = ['src/core'];

/**
 * Known module state, each with the reason it may stay. Keys are
 * "path: name"; an entry that no longer matches anything is reported too, so
 * the list cannot go stale.
 */
export const ALLOWED = new Map();

/** Built-ins whose instances hold no state a caller can change. */
const STATELESS_CLASSES = new Set(['TextEncoder', 'TextDecoder']);

/** Replaces comments, string contents and regex literals with spaces, keeping line breaks and quotes. */
export function blankNonCode(source) {
  let out = '';
  let i = 0;
  let lastSignificant = '';
  const blank = (text) => text.replace(/[^\n]/g, ' ');
  while (i < source.length) {
    const char = source[i];
    const next = source[i + 1];
    if (char === '/' && next === '/') {
      const end = source.indexOf('\n', i);
      const stop = end < 0 ? source.length : end;
      out += blank(source.slice(i, stop));
      i = stop;
    } else if (char === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end < 0 ? source.length : end + 2;
      out += blank(source.slice(i, stop));
      i = stop;
    } else if (char === "'" || char === '"' || char === '`') {
      let j = i + 1;
      while (j < source.length && source[j] !== char) j += source[j] === '\\' ? 2 : 1;
      out += char + blank(source.slice(i + 1, j)) + char;
      i = j + 1;
      lastSignificant = char;
    } else if (char === '/' && (lastSignificant === '' || '=(,:[!&|?{};'.includes(lastSignificant))) {
      // A slash where an operand is expected opens a regex literal.
      let j = i + 1;
      let inClass = false;
      while (j < source.length && source[j] !== '\n' && (inClass || source[j] !== '/')) {
        if (source[j] === '\\') j++;
        else if (source[j] === '[') inClass = true;
        else if (source[j] === ']') inClass = false;
        j++;
      }
      out += `/${blank(source.slice(i + 1, j))}/`;
      i = j + 1;
      lastSignificant = '/';
    } else {
      out += char;
      if (!/\s/.test(char)) lastSignificant = char;
      i++;
    }
  }
  return out;
}

/** The statements at depth 0 of `code` (already blanked), each with the index where it starts. */
function topLevelStatements(code) {
  const statements = [];
  let depth = 0;
  let start = 0;
  const flush = (end) => {
    const raw = code.slice(start, end);
    const text = raw.trim();
    if (text !== '') statements.push({ text, index: start + raw.indexOf(text[0]) });
    start = end;
  };
  for (let i = 0; i < code.length; i++) {
    const char = code[i];
    if (char === '{' || char === '(' || char === '[') depth++;
    else if (char === '}' || char === ')' || char === ']') {
      depth--;
      // A declaration block (function, class, interface, enum) ends its statement unless more follows on the line.
      if (depth === 0 && char === '}' && /^[ \t]*(\n|$)/.test(code.slice(i + 1, i + 200))) flush(i + 1);
    } else if (char === ';' && depth === 0) flush(i + 1);
  }
  flush(code.length);
  return statements;
}

/** The body text of a top-level `class` statement, or undefined. */
function classBody(text) {
  if (!/^(export\s+)?(default\s+)?(abstract\s+)?class\b/.test(text)) return undefined;
  const open = text.indexOf('{');
  return open < 0 ? undefined : text.slice(open + 1, text.lastIndexOf('}'));
}

/** Problems with one `const` declaration's initialiser, if any. */
function constProblem(text) {
  const match = /^(?:export\s+)?const\s+([A-Za-z_$][\w$]*)\s*(?::\s*([^=]+?))?\s*=\s*([\s\S]*?);?$/.exec(
    text,
  );
  if (match === null) return undefined;
  const [, name, annotation = '', init] = match;
  const created = /^new\s+([A-Za-z_$][\w$.]*)/.exec(init);
  if (created !== null && !STATELESS_CLASSES.has(created[1])) {
    return { name, why: `holds a module-level ${created[1]} instance shared by every caller` };
  }
  if (/^[[{]/.test(init)) {
    const readonlyType = /^(readonly\s|Readonly|ReadonlyArray|ReadonlyMap|ReadonlySet)/.test(
      annotation.trim(),
    );
    const frozen = /\bas\s+const\s*$/.test(init) || readonlyType;
    if (!frozen) {
      return {
        name,
        why: 'is a mutable module-level literal (type it Readonly<...> or end it with `as const`)',
      };
    }
  }
  return undefined;
}

/** Every module-level mutable state or Math.random in one file's source; `file` names it in the messages. */
export function moduleStateProblems(source, file) {
  const found = [];
  const code = blankNonCode(source);
  const lineOf = (index) => code.slice(0, index).split('\n').length;
  for (const match of code.matchAll(/\bMath\s*\.\s*random\b/g)) {
    found.push({
      name: 'Math.random',
      line: lineOf(match.index),
      why: 'calls Math.random: randomness comes from the host',
    });
  }
  for (const { text, index } of topLevelStatements(code)) {
    const line = lineOf(index);
    const variable = /^(?:export\s+)?(?:declare\s+)?(let|var)\s+([A-Za-z_$][\w$]*)/.exec(text);
    if (variable !== null) {
      found.push({ name: variable[2], line, why: `is a module-level \`${variable[1]}\`` });
      continue;
    }
    const problem = constProblem(text);
    if (problem !== undefined) {
      found.push({ ...problem, line });
      continue;
    }
    const body = classBody(text);
    if (body === undefined) continue;
    for (const member of body.matchAll(
      /\bstatic\s+(readonly\s+)?(#?[A-Za-z_$][\w$]*)\s*(?:[?!]?\s*:[^=;]*)?(=\s*new\s+([\w$.]+)|[=;])/g,
    )) {
      const [, readonly, name, , createdClass] = member;
      const memberLine = lineOf(index + text.indexOf('{') + 1 + member.index);
      if (readonly === undefined) {
        found.push({ name, line: memberLine, why: 'is a static field that is not readonly' });
      } else if (createdClass !== undefined && !STATELESS_CLASSES.has(createdClass)) {
        found.push({ name, line: memberLine, why: `is a static ${createdClass} shared by every instance` });
      }
    }
  }
  return found.map((problem) => ({ file, ...problem }));
}

function sourceFiles(dir) {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** All problems in the checked folders, minus the allowed ones, plus allowances that matched nothing. */
export function checkRepository() {
  const problems = [];
  const used = new Set();
  for (const file of CHECKED_DIRS.flatMap(sourceFiles)) {
    for (const problem of moduleStateProblems(readFileSync(join(ROOT, file), 'utf8'), file)) {
      const key = `${file}: ${problem.name}`;
      if (ALLOWED.has(key)) used.add(key);
      else problems.push(`${file}:${problem.line} ${problem.name} ${problem.why}`);
    }
  }
  for (const key of ALLOWED.keys()) {
    if (!used.has(key))
      problems.push(`.ci/module-state.mjs allows "${key}", which no longer exists: remove it`);
  }
  return problems;
}

if (process.argv[1] !== undefined && relative(process.argv[1], fileURLToPath(import.meta.url)) === '') {
  const problems = checkRepository();
  for (const problem of problems) console.error(problem);
  if (problems.length > 0) {
    console.error(`module-state: ${problems.length} problem(s) in ${CHECKED_DIRS.join(', ')}`);
    process.exit(1);
  }
}
