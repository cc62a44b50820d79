import { describe, expect, it } from 'vitest';
import { blankNonCode, checkRepository, moduleStateProblems } from '../../.ci/module-state.mjs';

const names = (source: string) =>
  moduleStateProblems(source, 'src/core/sample.ts').map((problem) => problem.name);

describe('module-state check', () => {
  it.each([
    ['let counter = 0;', 'counter'],
    ['export let current: string | undefined;', 'current'],
    ['var legacy = 1;', 'legacy'],
    ['const cache = new Map<string, number>();', 'cache'],
    ['export const seen = new WeakMap<object, number>();', 'seen'],
    ['const scratch = new Uint8Array(64);', 'scratch'],
    ['const pending: string[] = [];', 'pending'],
    ['const table = {\n  a: 1,\n};', 'table'],
    ['export class Pool {\n  static size = 0;\n}', 'size'],
    ['class Registry {\n  static readonly all = new Set<string>();\n}', 'all'],
    ['export function pick(): number {\n  return Math.random();\n}', 'Math.random'],
  ])('flags %j', (source, name) => {
    expect(names(source)).toEqual([name]);
  });

  it.each([
    ['const LIMIT = 512;'],
    ["export const NAME = 'x';"],
    ['const ORDER = [1, 2, 3] as const;'],
    ['const TABLE: Readonly<Record<string, number>> = {\n  a: 1,\n};'],
    ['const LIST: readonly string[] = [];'],
    ['const encoder = new TextEncoder();'],
    [
      'export function f(): number {\n  let local = 0;\n  const m = new Map();\n  m.set(1, local++);\n  return local;\n}',
    ],
    [
      'export class Queue {\n  private items: number[] = [];\n  static create(): Queue {\n    return new Queue();\n  }\n  static readonly EMPTY = 0;\n}',
    ],
    ["// let counter = 0; Math.random()\nconst note = 'let x = new Map(); Math.random()';"],
    ['const pattern = /let [{(]/u;\nconst after = 1;'],
    ['export interface Options {\n  readonly a: number;\n}\nexport type Kind = { b: string };'],
  ])('accepts %j', (source) => {
    expect(names(source)).toEqual([]);
  });

  it('reports the line of the declaration', () => {
    const [problem] = moduleStateProblems('const a = 1;\n\n/** doc */\nlet b = 2;\n', 'src/core/x.ts');
    expect(problem).toMatchObject({ file: 'src/core/x.ts', name: 'b', line: 4 });
  });

  it('blanks comments and strings but keeps line breaks', () => {
    const source = "const a = 'x;y'; // z\n/* w\n */ let b;";
    const blanked = blankNonCode(source);
    expect(blanked.length).toBe(source.length);
    expect(blanked.split('\n').length).toBe(3);
    expect(blanked).not.toContain('x;y');
    expect(blanked).toContain('let b;');
  });

  it('finds nothing in src/core beyond the allowed entries', () => {
    expect(checkRepository()).toEqual([]);
  });
});
