export interface ModuleStateProblem {
  readonly file: string;
  readonly name: string;
  readonly line: number;
  readonly why: string;
}
export const ALLOWED: ReadonlyMap<string, string>;
export function blankNonCode(source: string): string;
export function moduleStateProblems(source: string, file: string): ModuleStateProblem[];
export function checkRepository(): string[];
