import { MeshError } from '../core/errors.js';

/**
 * Exit codes of the `meshnode` commands. They are part of the CLI's contract
 * (scripts and supervisors branch on them), so each has one meaning and the
 * numbers never change.
 */
export const ExitCode = {
  /** Done; also a graceful leave after SIGINT / SIGTERM. */
  ok: 0,
  /** An unexpected error (a bug, or something not covered below). */
  failure: 1,
  /** Bad flags or flag values: the usage text says what is wrong. */
  usage: 2,
  /** The --config file or the --view-file cannot be read or is invalid; the --token is malformed or expired. */
  config: 3,
  /** The mesh port or the --http address could not be bound (in use, not local). */
  bind: 4,
  /** No seed answered within the join attempts and --join-retry is "exit". */
  join: 5,
  /** `meshnode status`: no agent answered at the --http address. */
  unreachable: 6,
  /** Another live member already runs with this agent's id (the message names the id and its address). */
  conflict: 7,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** A second SIGINT / SIGTERM exits at once with the shell's 128 + signal number. */
export function signalExitCode(signal: NodeJS.Signals): number {
  if (signal === 'SIGINT') return 130;
  if (signal === 'SIGTERM') return 143;
  return 129;
}

/** An error that ends a command with a given exit code and a one-line message on stderr. */
export class CliError extends MeshError {
  readonly exitCode: ExitCodeValue;
  constructor(exitCode: ExitCodeValue, message: string, options?: { cause?: unknown; code?: string }) {
    super(options?.code ?? 'ERR_MESH_CLI', message, options);
    this.exitCode = exitCode;
  }
}

/** Bad flags or values (exit code 2). */
export class UsageError extends CliError {
  constructor(message: string) {
    super(ExitCode.usage, message, { code: 'ERR_MESH_USAGE' });
  }
}
