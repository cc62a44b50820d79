import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AgentApiError } from '../src/cli/agent-client.js';
import { CliError, ExitCode, UsageError } from '../src/cli/exit-codes.js';
import { ValueError } from '../src/cli/values.js';
import { FieldError } from '../src/codec/fields.js';
import { KeyringError } from '../src/codec/keyring.js';
import {
  ConfigError,
  MeshError,
  MetadataTooLargeError,
  StateError,
  UserEventRateError,
  UserEventTooLargeError,
  ValidationError,
} from '../src/core/errors.js';
import { SeedsUnreachableError } from '../src/discovery/seeds.js';
import { TokenError } from '../src/discovery/token.js';
import { ViewFileError } from '../src/discovery/view-file.js';
import {
  BindError,
  ClosedError,
  IdConflictError,
  JoinError,
  MemberAliveError,
  UnknownMemberError,
} from '../src/node/errors.js';
import { TransportError } from '../src/runtime/errors.js';
import { ChartUnavailableError } from '../src/sim/chart.js';
import { SimulationError } from '../src/sim/simulation.js';
import { TokenFileError } from '../src/status/access.js';
import { BadRequestError } from '../src/status/control.js';

// Written out by hand: a renamed code is a breaking change and must fail here.
const cases: ReadonlyArray<readonly [string, string, MeshError]> = [
  ['ConfigError', 'ERR_MESH_CONFIG', new ConfigError('probeIntervalMs', 'x')],
  ['ValidationError', 'ERR_MESH_INVALID', new ValidationError('x')],
  ['MetadataTooLargeError', 'ERR_MESH_METADATA_TOO_LARGE', new MetadataTooLargeError(600, 512)],
  ['StateError', 'ERR_MESH_STATE', new StateError('x')],
  ['UserEventTooLargeError', 'ERR_MESH_EVENT_TOO_LARGE', new UserEventTooLargeError(600, 512)],
  ['UserEventRateError', 'ERR_MESH_EVENT_RATE', new UserEventRateError(10, 100)],
  ['BindError', 'ERR_MESH_BIND', new BindError('127.0.0.1:1', 'in use')],
  ['JoinError', 'ERR_MESH_JOIN', new JoinError(['127.0.0.1:1'], 10, {})],
  ['ClosedError', 'ERR_MESH_CLOSED', new ClosedError('join')],
  ['IdConflictError', 'ERR_MESH_ID_CONFLICT', new IdConflictError('n1', '127.0.0.1:2')],
  ['TokenFileError', 'ERR_MESH_TOKEN_FILE', new TokenFileError('x')],
  ['MemberAliveError', 'ERR_MESH_MEMBER_ALIVE', new MemberAliveError('n1', 'alive')],
  ['UnknownMemberError', 'ERR_MESH_UNKNOWN_MEMBER', new UnknownMemberError('n1')],
  ['AgentApiError', 'ERR_MESH_AGENT_API', new AgentApiError(409, 'member-alive', 'x')],
  ['BadRequestError', 'ERR_MESH_BAD_REQUEST', new BadRequestError(400, 'bad_request', 'x')],
  ['SimulationError', 'ERR_MESH_SIMULATION', new SimulationError('x', 1, 0)],
  ['ChartUnavailableError', 'ERR_MESH_CHART_UNAVAILABLE', new ChartUnavailableError(undefined)],
  ['SeedsUnreachableError', 'ERR_MESH_SEEDS_UNREACHABLE', new SeedsUnreachableError(1, [], undefined)],
  ['TokenError', 'ERR_MESH_TOKEN', new TokenError('prefix', 'x')],
  ['ViewFileError', 'ERR_MESH_VIEW_FILE', new ViewFileError('/v.json', 'x')],
  ['CliError', 'ERR_MESH_CLI', new CliError(ExitCode.failure, 'x')],
  ['UsageError', 'ERR_MESH_USAGE', new UsageError('x')],
  ['ValueError', 'ERR_MESH_VALUE', new ValueError('x')],
  ['FieldError', 'ERR_MESH_FIELD', new FieldError('x')],
  ['TransportError', 'ERR_MESH_TRANSPORT', new TransportError('reset')],
  ['KeyringError', 'ERR_MESH_KEYRING', new KeyringError('primary-key', 'x')],
];

describe('error classes', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

  it.each(cases)('%s extends MeshError with code %s, and README lists the code', (name, code, error) => {
    expect(error).toBeInstanceOf(MeshError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect(error.code).toBe(code);
    expect(readme).toContain(`\`${code}\``);
  });

  it('a UsageError is still a CliError with the usage exit code', () => {
    const error = new UsageError('bad flag');
    expect(error).toBeInstanceOf(CliError);
    expect(error.exitCode).toBe(2);
  });

  it('covers every error class in src, and only MeshError extends Error directly', () => {
    const root = new URL('../src/', import.meta.url);
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((path) =>
      path.endsWith('.ts'),
    );
    const declared: string[] = [];
    for (const file of files) {
      const source = readFileSync(new URL(file, root), 'utf8');
      for (const match of source.matchAll(/\bclass\s+(\w+)\s+extends\s+(\w+)/g)) {
        const [, name, base] = match as unknown as [string, string, string];
        if (!name.endsWith('Error') && !base.endsWith('Error')) continue;
        declared.push(name);
        if (base === 'Error') expect(`${file}: ${name}`).toBe('core/errors.ts: MeshError');
      }
    }
    expect(declared.sort()).toEqual(['MeshError', ...cases.map(([name]) => name)].sort());
  });
});
