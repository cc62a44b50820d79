/**
 * `meshnode agent`: one mesh member as a process. It joins through seeds
 * (hostnames resolved on every attempt), mDNS and a view file, prints every
 * rebalance the way libcluster's cluster-test does (or JSON lines with
 * --json), serves the status API, and leaves gracefully on SIGINT / SIGTERM.
 */
import { Command } from 'commander';
import { formatAddress, parseAddress } from '../core/address.js';
import { MdnsDiscovery } from '../discovery/mdns.js';
import { NameWatch } from '../discovery/name-watch.js';
import { type JoinOutcome, SeedJoiner, SeedsUnreachableError } from '../discovery/seeds.js';
import { readViewFile, ViewFileError, ViewFileKeeper } from '../discovery/view-file.js';
import { IdConflictError } from '../node/errors.js';
import { createNode, type MeshNode } from '../node/node.js';
import type { NodeOptions } from '../node/options.js';
import { createDnsResolver, type SeedResolver, systemResolver } from '../node/seed-resolver.js';
import type { MemberInfo } from '../node/types.js';
import { readTokenFile } from '../status/access.js';
import { DepartedTracker } from '../status/departed.js';
import { EventHub } from '../status/events.js';
import { type StatusServer, type StatusServerOptions, startStatusServer } from '../status/server.js';
import type { AgentLifecycle, StatusSource } from '../status/types.js';
import { createAgentControl } from './agent-control.js';
import { startingKeys, takeKeysFromEnv } from './agent-keys.js';
import { type AgentStartContext, agentLogger, startAgentOperations } from './agent-operations.js';
import { runToExit, withUsageExit } from './command.js';
import { EventPrinter } from './event-printer.js';
import { CliError, ExitCode, signalExitCode, UsageError } from './exit-codes.js';
import type { AgentLogger } from './logger.js';
import { type AgentSettings, readConfigFile, resolveSettings, SETTINGS } from './settings.js';
import { tokenForFlags } from './token-rule.js';
import { formatDuration } from './values.js';

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** How often an agent alone reads its view file again for peers that wrote themselves in. */
const VIEW_FILE_POLL_MS = 1000;

const isDeparted = (state: string | undefined): boolean => state === 'dead' || state === 'left';

export function agentCommand(): Command {
  const command = new Command('agent')
    .summary('run a mesh member and print its indices (like libcluster cluster-test)')
    .description(
      [
        'Run one meshnode agent: join the mesh through seeds, mDNS or a view file,',
        'print every re-balance (instance index, thread count, total), serve the',
        'status API. SIGINT / SIGTERM leave gracefully and exit 0; a second signal',
        'exits at once. SIGHUP reloads the config file: log level, metadata, event',
        'handlers and the encryption switches change at once, other fields at the',
        'next restart; the --keyring-file is read again. Gossip keys may also come',
        'from MESHNODE_KEYS (comma-separated base64) or a --with-key token.',
        'Exit codes: 0 ok, 1 unexpected error, 2 bad flags, 3 bad config, view',
        'file or --token (malformed or expired), 4 bind failure, 5 join failure',
        '(with --join-retry exit).',
      ].join('\n'),
    )
    .option(
      '--token <token>',
      'join token from "meshnode token create": sets key, env and seeds (-k, -e, --seeds win), and a gossip key with --with-key',
    )
    .option('--config <file>', 'JSON file with the same settings in camelCase (flags win)');
  for (const spec of Object.values(SETTINGS)) {
    if (spec.flag === undefined) continue;
    if (spec.repeatable === true) command.option(spec.flag, spec.help ?? '', collect);
    else command.option(spec.flag, spec.help ?? '');
  }
  command.action(async (options: Record<string, unknown>) => {
    await runToExit('agent', () => runAgentFromFlags(options));
  });
  return withUsageExit(command);
}

/** commander's attribute for a flag: "--join-backoff-max <ms>" is joinBackoffMax. */
function attributeOf(flag: string): string {
  const long = flag.split(/[ ,]+/).find((part) => part.startsWith('--')) ?? '';
  return long.slice(2).replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/** commander's attribute names -> the settings (config-file) names, from the settings table. */
const FIELD_OF_ATTRIBUTE: ReadonlyMap<string, string> = new Map(
  Object.entries(SETTINGS).flatMap(([field, spec]) =>
    spec.flag === undefined ? [] : [[attributeOf(spec.flag), field] as const],
  ),
);

/** The parsed flags under their config-file names; --config and --token are not settings. */
export function flagsToFields(options: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(options)) {
    if (name === 'config' || name === 'token' || value === undefined) continue;
    out[FIELD_OF_ATTRIBUTE.get(name) ?? name] = value;
  }
  return out;
}

export async function runAgentFromFlags(options: Record<string, unknown>): Promise<number> {
  const configPath = typeof options.config === 'string' ? options.config : undefined;
  const file = configPath !== undefined ? readConfigFile(configPath) : {};
  const token = await tokenForFlags(options, file, Date.now());
  const fields = flagsToFields(options);
  const settings = resolveSettings(fields, file, token.settings);
  const envKeys = takeKeysFromEnv();
  return runAgent(settings, {
    ...(envKeys === undefined ? {} : { envKeys }),
    ...(token.gossipKey === undefined ? {} : { tokenKey: token.gossipKey }),
    levelExplicit: options.logLevel !== undefined || file.logLevel !== undefined,
    // A reload reads the file again; the flags and the token are as at start.
    reread: () =>
      resolveSettings(fields, configPath !== undefined ? readConfigFile(configPath) : {}, token.settings),
    notices: token.warning === undefined ? [] : [token.warning],
  });
}

/** Runs an agent until a signal ends it (or a join failure in exit mode); resolves with the exit code. */
export async function runAgent(settings: AgentSettings, context: AgentStartContext = {}): Promise<number> {
  const logger = agentLogger(settings, context);
  const events = new EventHub();
  const printer = new EventPrinter(settings.json, undefined, (line) => events.publishLine(line));
  const agent = new Agent(settings, logger, printer, events, context);
  const operations = startAgentOperations({
    settings,
    context,
    logger,
    events,
    printer,
    node: () => agent.startedNode,
  });
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      logger.warn({ signal }, 'second signal: exiting at once without leaving');
      process.exit(signalExitCode(signal));
    }
    logger.info({ signal }, 'signal: leaving the cluster gracefully (send it again to exit at once)');
    void agent.shutdown(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // Static mode without the status API opens no socket: this keeps the process up until a signal.
  const keepAlive = setInterval(() => {}, 1 << 30);
  try {
    await agent.start();
    return await agent.done;
  } catch (error) {
    await agent.abort();
    throw error;
  } finally {
    clearInterval(keepAlive);
    operations.close();
  }
}

/** One running agent: the node plus its discovery, view file, status API and output. */
class Agent implements StatusSource {
  readonly startedAt = Date.now();
  readonly key: string;
  readonly env: string;
  private readonly settings: AgentSettings;
  private readonly log: AgentLogger;
  private readonly printer: EventPrinter;
  private readonly events: EventHub;
  private meshNode: MeshNode | undefined;
  private state: AgentLifecycle = 'starting';
  private departedTracker: DepartedTracker | undefined;
  private http: StatusServer | undefined;
  private mdns: MdnsDiscovery | undefined;
  private keeper: ViewFileKeeper | undefined;
  /** While the agent is alone, the view file is read again on this timer: peers started with it write themselves in. */
  private viewFilePoll: NodeJS.Timeout | undefined;
  private viewFileJoining = false;
  private joiner: SeedJoiner | undefined;
  /** After the joiner found only this node behind the seed names: looks again while alone. */
  private nameWatch: NameWatch | undefined;
  private viewFileSeeds: string[] = [];
  private readonly mdnsJoins = new Set<string>();
  /** Where seed names are looked up: the --dns-servers, else the system. */
  private readonly resolver: SeedResolver;
  private finish!: (code: number) => void;
  readonly done: Promise<number>;
  private stopping: Promise<void> | undefined;
  readonly control = createAgentControl({
    node: () => this.meshNode,
    leave: (reason) => void this.shutdown(reason),
  });

  constructor(
    settings: AgentSettings,
    logger: AgentLogger,
    printer: EventPrinter,
    events: EventHub,
    private readonly context: AgentStartContext = {},
  ) {
    this.settings = settings;
    this.log = logger;
    this.printer = printer;
    this.events = events;
    this.key = settings.key ?? '';
    this.env = settings.env ?? 'default';
    this.resolver =
      settings.dnsServers === undefined
        ? systemResolver
        : createDnsResolver({ servers: settings.dnsServers });
    this.done = new Promise((resolve) => {
      this.finish = resolve;
    });
  }

  get node(): MeshNode {
    if (this.meshNode === undefined) throw new Error('the node is not started');
    return this.meshNode;
  }

  /** The node once created (the status API may be asked before). */
  get startedNode(): MeshNode | undefined {
    return this.meshNode;
  }

  lifecycle(): AgentLifecycle {
    return this.state;
  }

  departed(): MemberInfo[] {
    return this.departedTracker?.list() ?? [];
  }

  join() {
    return {
      state: this.joiner?.state ?? (this.settings.static !== undefined ? 'static' : 'idle'),
      attempts: this.joiner?.attempts ?? 0,
      seeds: this.seedList(),
      lastError: this.joiner?.lastErrorMessage,
    };
  }

  async start(): Promise<void> {
    const { settings } = this;
    // Read before anything is bound, so a bad token file fails fast.
    const statusOptions = this.statusServerOptions();
    if (settings.static === undefined && settings.viewFile !== undefined)
      await this.loadViewFile(settings.viewFile);
    this.meshNode = await this.createMeshNode();
    const node = this.meshNode;
    this.departedTracker = new DepartedTracker(node);
    this.wireEvents(node);
    await this.startHttp(statusOptions);
    this.state = 'running';
    this.printer.other(
      'start',
      {
        id: node.id,
        address: node.address,
        http: this.http?.address ?? null,
        key: this.key,
        env: this.env,
        threads: settings.threads,
        static: node.isStatic,
        pid: process.pid,
      },
      `agent ${node.id} started${node.isStatic ? ' in static mode' : ` on ${node.address}`}` +
        (this.http ? `, status API on http://${this.http.address}` : ''),
    );
    const first = node.indices();
    if (first.index >= 0) this.printer.rebalance(first);
    if (node.isStatic) {
      this.printer.other(
        'joined',
        { through: [], static: true },
        'cluster joined (static); running until terminated',
      );
      return;
    }
    if (settings.viewFile !== undefined) {
      this.keeper = new ViewFileKeeper({
        path: settings.viewFile,
        key: this.key,
        env: this.env,
        selfId: node.id,
        onError: (error) =>
          this.log.warn({ err: error, path: settings.viewFile }, 'cannot write the view file'),
        onWrite: (members) => {
          this.log.debug({ path: settings.viewFile, members: members.length }, 'wrote the view file');
          this.printer.other(
            'view-file',
            { path: settings.viewFile, members: members.map((m) => m.id) },
            undefined,
          );
        },
        // Members we know nothing of may be alive elsewhere (started together with us): keep them.
        retain: (member) => member.id !== node.id && !isDeparted(node.member(member.id)?.state),
      });
      const path = settings.viewFile;
      this.viewFilePoll = setInterval(() => void this.pollViewFile(path), VIEW_FILE_POLL_MS);
    }
    if (settings.mdns) await this.startMdns(node);
    this.startJoining(node);
  }

  /** Graceful: stop discovery, announce the leave, close the status API; then exit 0. */
  shutdown(reason: string): Promise<void> {
    this.stopping ??= this.leaveAndClose(reason);
    return this.stopping;
  }

  /** Start failed half-way: close whatever was opened, without leaving. */
  async abort(): Promise<void> {
    this.joiner?.stop();
    this.nameWatch?.stop();
    clearInterval(this.viewFilePoll);
    await this.mdns?.stop().catch(() => {});
    await this.http?.close().catch(() => {});
    await this.meshNode?.close().catch(() => {});
  }

  private async leaveAndClose(reason: string): Promise<void> {
    const settleGuard = setTimeout(() => {
      this.log.error({}, 'graceful shutdown is taking too long; exiting');
      process.exit(ExitCode.failure);
    }, 20_000);
    settleGuard.unref();
    this.state = 'leaving';
    this.joiner?.stop();
    this.nameWatch?.stop();
    clearInterval(this.viewFilePoll);
    await this.keeper?.close().catch(() => {});
    try {
      await this.mdns?.stop();
    } catch (error) {
      this.log.warn({ err: error }, 'mdns goodbye failed');
    }
    const node = this.meshNode;
    if (node !== undefined) {
      const started = Date.now();
      try {
        await node.leave();
      } catch (error) {
        this.log.warn({ err: error }, 'leave failed; closing');
        await node.close();
      }
      this.log.debug({ ms: Date.now() - started }, 'left the cluster');
    }
    this.state = 'left';
    await this.http?.close();
    this.printer.other('stop', { reason, graceful: true }, `left the cluster (${reason}); bye`);
    clearTimeout(settleGuard);
    this.finish(ExitCode.ok);
  }

  private async createMeshNode(): Promise<MeshNode> {
    const { settings } = this;
    const keys = startingKeys({
      keyringFile: settings.keyringFile,
      fromEnv: this.context.envKeys,
      tokenKey: this.context.tokenKey,
    });
    const options: NodeOptions = {
      keys,
      encryption: {
        ...(settings.verifyIncoming === undefined ? {} : { verifyIncoming: settings.verifyIncoming }),
        ...(settings.verifyOutgoing === undefined ? {} : { verifyOutgoing: settings.verifyOutgoing }),
      },
      threads: settings.threads,
      metadata: settings.metadata,
      logger: this.log,
      ...(settings.id !== undefined ? { id: settings.id } : {}),
      ...(settings.static !== undefined
        ? { static: settings.static }
        : {
            key: this.key,
            env: this.env,
            bind: settings.bind,
            preset: settings.preset,
            // Seeds (given or from a view file) mean joining a cluster: index -1 until admitted.
            // mDNS alone does not: the first agent on a LAN starts the cluster.
            awaitAdmission: this.seedList().length > 0,
            config: settings.protocol,
            resolver: this.resolver,
            ...(settings.advertise !== undefined ? { advertise: settings.advertise } : {}),
            ...(settings.joinTimeoutMs !== undefined ? { joinTimeoutMs: settings.joinTimeoutMs } : {}),
          }),
    };
    if (settings.static !== undefined && (settings.seeds.length > 0 || settings.mdns || settings.viewFile)) {
      this.log.warn({}, 'static mode (-I/-T) has no network: --seeds, --mdns and --view-file are ignored');
    }
    try {
      return await createNode(options);
    } catch (error) {
      const code = (error as { code?: string }).code;
      const message = (error as Error).message;
      if (code === 'ERR_MESH_BIND') throw new CliError(ExitCode.bind, message, { cause: error });
      if (code === 'ERR_MESH_CONFIG') throw new CliError(ExitCode.config, `protocol setting: ${message}`);
      if (code === 'ERR_MESH_INVALID' || code === 'ERR_MESH_METADATA_TOO_LARGE')
        throw new UsageError(message);
      throw error;
    }
  }

  private wireEvents(node: MeshNode): void {
    node.on('rebalance', (indices) => {
      this.printer.rebalance(indices);
      this.updateViewFile();
    });
    node.on('settled', (indices) => this.printer.settled(indices));
    node.on('unsettled', (indices) => this.printer.unsettled(indices));
    node.on('event', (event) => this.printer.userEvent(event));
    for (const event of ['join', 'leave', 'fail', 'update', 'suspect', 'recover'] as const) {
      node.on(event, (member) => {
        if (member.id === node.id) return;
        this.printer.member(event, member);
        this.log.debug({ event, member: member.id, address: member.address }, 'membership event');
        if (event !== 'suspect' && event !== 'recover') this.updateViewFile();
      });
    }
  }

  private async startHttp(options: StatusServerOptions): Promise<void> {
    const { http, httpExplicit } = this.settings;
    if (http === undefined) return;
    try {
      this.http = await startStatusServer(this, http.host, http.port, options);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const where = formatAddress(http.host, http.port);
      if (!httpExplicit && code === 'EADDRINUSE') {
        this.log.warn(
          { address: where },
          'default status API port is in use; using a free port (set --http)',
        );
        this.http = await startStatusServer(this, http.host, 0, options);
        return;
      }
      throw new CliError(
        ExitCode.bind,
        `cannot bind the status API on ${where}: ${(error as Error).message}`,
      );
    }
  }

  private statusServerOptions(): StatusServerOptions {
    const { httpMaxConnections, httpTokenFile } = this.settings;
    let token: string | undefined;
    try {
      token = httpTokenFile === undefined ? undefined : readTokenFile(httpTokenFile);
    } catch (error) {
      throw new CliError(ExitCode.config, `--http-token-file: ${(error as Error).message}`);
    }
    return {
      events: this.events,
      logger: this.log,
      ...(httpMaxConnections !== undefined ? { maxConnections: httpMaxConnections } : {}),
      ...(token !== undefined ? { token } : {}),
    };
  }

  private async loadViewFile(path: string): Promise<void> {
    const others = this.settings.seeds.length > 0 || this.settings.mdns;
    try {
      const read = await readViewFile(path);
      if (read.kind === 'missing') {
        const next = others ? 'joining through the other seeds' : 'starting a new cluster';
        this.log.info({ path }, `view file does not exist yet; ${next}; it will be created`);
        return;
      }
      const { content } = read;
      if (content.key !== this.key || content.env !== this.env) {
        throw new ViewFileError(
          path,
          `belongs to cluster ${content.key}/${content.env}, not ${this.key}/${this.env}`,
        );
      }
      this.viewFileSeeds = content.members.filter((m) => m.id !== this.settings.id).map((m) => m.address);
      this.log.info({ path, members: content.members.length }, 'loaded the view file');
    } catch (error) {
      if (!(error instanceof ViewFileError)) throw error;
      if (!others)
        throw new CliError(ExitCode.config, `${error.message} (fix or delete it, or give --seeds)`);
      this.log.warn(
        { path, err: error.message },
        'cannot use the view file; falling back to the other seeds',
      );
    }
  }

  /** Seeds from the flags and the view file, without this node. */
  private seedList(): string[] {
    const own = new Set(this.ownAddresses());
    return [...new Set([...this.settings.seeds, ...this.viewFileSeeds])].filter((seed) => !own.has(seed));
  }

  private ownAddresses(): string[] {
    const node = this.meshNode;
    if (node === undefined || node.isStatic) return [];
    const own = [node.address];
    const advertised = parseAddress(node.address);
    const bindHost = this.settings.bind.host;
    if (advertised !== undefined && this.settings.advertise === undefined) {
      const wildcard = bindHost === '0.0.0.0' || bindHost === '::';
      if (wildcard || bindHost.startsWith('127.')) own.push(formatAddress('127.0.0.1', advertised.port));
      if (wildcard || bindHost === '::1') own.push(formatAddress('::1', advertised.port));
    }
    return own;
  }

  private startJoining(node: MeshNode): void {
    const { settings } = this;
    const joiner = new SeedJoiner({
      seeds: () => this.seedList(),
      // The joiner is the one retry loop: each of its attempts tries every seed once.
      join: (addresses) => node.join(addresses, { retry: false }),
      isJoined: () => node.members().length > 1,
      self: () => this.ownAddresses(),
      resolver: this.resolver,
      attempts: settings.joinAttempts,
      mode: settings.joinRetry,
      backoff: { initialMs: 500, maxMs: settings.joinBackoffMaxMs },
      onAttemptFailed: (failure) => {
        this.log.warn(
          {
            attempt: failure.attempt,
            seeds: failure.addresses,
            err: failure.message,
            retryInMs: failure.nextDelayMs,
          },
          'join attempt failed',
        );
        if (settings.viewFile !== undefined) void this.rereadViewFile(settings.viewFile);
      },
      onBackground: (failure) => {
        const every = formatDuration(failure.nextDelayMs ?? settings.joinBackoffMaxMs);
        this.printer.other(
          'seeds-down',
          { attempts: failure.attempt, error: failure.message, retryMs: failure.nextDelayMs ?? null },
          `every seed is down (${failure.message}); running alone and retrying in the background every ${every}`,
        );
      },
    });
    this.joiner = joiner;
    joiner.start().then(
      (outcome) => this.onJoinOutcome(outcome),
      (error: unknown) => {
        if (error instanceof IdConflictError) {
          this.log.error({ id: error.id, address: error.address }, 'id conflict');
          process.stderr.write(`meshnode agent: ${error.message}\n`);
          this.printer.other(
            'stop',
            { reason: 'id-conflict', graceful: false, address: error.address },
            undefined,
          );
          void this.abort().then(() => this.finish(ExitCode.conflict));
          return;
        }
        if (!(error instanceof SeedsUnreachableError)) {
          this.log.error({ err: error }, 'join failed unexpectedly');
          return;
        }
        process.stderr.write(`meshnode agent: ${error.message}\n`);
        // The line above is the human account; --json readers get the stop event.
        this.printer.other(
          'stop',
          { reason: 'join-failed', graceful: false, error: error.message },
          undefined,
        );
        void this.abort().then(() => this.finish(ExitCode.join));
      },
    );
  }

  private onJoinOutcome(outcome: JoinOutcome): void {
    if (outcome.kind === 'stopped') return;
    if (outcome.kind === 'joined') {
      this.printer.other(
        'joined',
        { through: outcome.addresses, attempts: outcome.attempts },
        `cluster joined through ${outcome.addresses.join(', ')}; running until terminated`,
      );
    } else if (outcome.kind === 'alone') {
      // Nobody else to join: enter our own view as the first member of a cluster.
      void this.meshNode?.join([]).catch(() => {});
      this.printer.other(
        'joined',
        { through: [], alone: true },
        this.settings.seeds.length > 0
          ? 'the seeds name only this node: started a new cluster; running until terminated'
          : 'no seeds: started a new cluster; running until terminated',
      );
      this.watchSeedNames();
    } else {
      this.printer.other('joined', { through: [], by: 'peer' }, 'another member brought this node in');
    }
    this.updateViewFile();
  }

  /**
   * The seed names pointed at this node alone: look them up again every
   * --join-backoff-max while nobody else is here, and join whoever appears.
   */
  private watchSeedNames(): void {
    const node = this.meshNode;
    if (node === undefined || !NameWatch.applies(this.settings.seeds)) return;
    const watch = new NameWatch({
      seeds: () => this.settings.seeds,
      resolver: this.resolver,
      self: () => this.ownAddresses(),
      isAlone: () => this.state === 'running' && node.members().every((member) => member.id === node.id),
      join: (addresses) => node.join(addresses, { retry: false }),
      intervalMs: this.settings.joinBackoffMaxMs,
      onJoined: (through) =>
        this.printer.other(
          'joined',
          { through, via: 'dns' },
          `cluster joined through ${through.join(', ')} (found by a new look at the seed names); running until terminated`,
        ),
      onFailed: (error) => this.log.debug({ err: error.message }, 'seed names: no one answered'),
    });
    this.nameWatch = watch;
    watch.start();
  }

  private async rereadViewFile(path: string): Promise<void> {
    try {
      const read = await readViewFile(path);
      if (read.kind !== 'ok' || read.content.key !== this.key || read.content.env !== this.env) return;
      const self = this.meshNode?.id;
      this.viewFileSeeds = read.content.members.filter((m) => m.id !== self).map((m) => m.address);
    } catch {
      // Keep the list loaded at start.
    }
  }

  /**
   * Writes the view and ourselves into the file, merged with what it lists
   * (see the keeper's retain): a joiner not yet admitted is not in its own
   * view, but must be in the file for peers started with it to find it.
   */
  private updateViewFile(): void {
    const node = this.meshNode;
    if (this.keeper === undefined || node === undefined || this.state !== 'running') return;
    const members: Array<{ id: string; address: string; threads: number }> = node.members();
    if (!members.some((member) => member.id === node.id)) {
      members.push({ id: node.id, address: node.address, threads: this.settings.threads });
    }
    this.keeper.update(members);
  }

  /**
   * Alone (nobody else in our view): read the file again, put ourselves in
   * it, and join anyone new it lists. Agents started at the same moment
   * through one file that did not exist yet find each other this way.
   */
  private async pollViewFile(path: string): Promise<void> {
    const node = this.meshNode;
    if (node === undefined || this.state !== 'running' || this.viewFileJoining) return;
    if (node.members().some((member) => member.id !== node.id)) return;
    this.updateViewFile();
    await this.rereadViewFile(path);
    const own = new Set(this.ownAddresses());
    const targets = this.viewFileSeeds.filter((address) => !own.has(address));
    if (targets.length === 0 || this.state !== 'running') return;
    this.viewFileJoining = true;
    try {
      await node.join(targets, { retry: false });
      this.log.info({ through: targets }, 'joined through members the view file lists');
    } catch (error) {
      this.log.debug({ err: (error as Error).message, through: targets }, 'view file members did not answer');
    } finally {
      this.viewFileJoining = false;
    }
  }

  private async startMdns(node: MeshNode): Promise<void> {
    const { settings } = this;
    const mdns = new MdnsDiscovery({
      key: this.key,
      env: this.env,
      id: node.id,
      address: node.address,
      threads: settings.threads,
      port: settings.mdnsPort,
      intervalMs: settings.mdnsIntervalMs,
      ...(settings.mdnsInterface !== undefined ? { interface: settings.mdnsInterface } : {}),
    });
    mdns.on('warning', (error) => this.log.warn({ err: error.message }, 'mdns warning'));
    mdns.on('error', (error) => this.log.error({ err: error.message }, 'mdns error'));
    mdns.on('peer', (peer) => {
      if (this.state !== 'running') return;
      const known = node.member(peer.id);
      if (known !== undefined && (known.state === 'alive' || known.state === 'suspect')) return;
      if (this.mdnsJoins.has(peer.id)) return;
      this.mdnsJoins.add(peer.id);
      const wasAlone = node.members().length <= 1;
      this.log.info({ peer: peer.id, address: peer.address }, 'mdns found a peer; joining through it');
      node
        .join([peer.address], { retry: false })
        .then(
          () => {
            if (wasAlone) {
              this.printer.other(
                'joined',
                { through: [peer.address], via: 'mdns' },
                `cluster joined through ${peer.address} (found by mDNS); running until terminated`,
              );
            }
          },
          (error: Error) => this.log.debug({ peer: peer.id, err: error.message }, 'mdns join failed'),
        )
        .finally(() => this.mdnsJoins.delete(peer.id));
    });
    try {
      await mdns.start();
    } catch (error) {
      throw new CliError(
        ExitCode.bind,
        `cannot start mDNS on port ${settings.mdnsPort}: ${(error as Error).message}`,
      );
    }
    this.mdns = mdns;
  }
}
