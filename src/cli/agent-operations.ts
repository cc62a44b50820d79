/**
 * The parts of a running agent an operator adjusts while it runs: its event
 * handlers (fed from the agent's event stream) and the SIGHUP reload that
 * re-reads the config file (see reload.ts for what it applies).
 */
import type { MeshNode } from '../node/node.js';
import type { EventHub } from '../status/events.js';
import { formatViewId } from '../status/types.js';
import { reloadKeyringFile } from './agent-keys.js';
import type { SelfInfo } from './event-handler-spec.js';
import { EventHandlers } from './event-handlers.js';
import type { EventPrinter } from './event-printer.js';
import { type AgentLogger, createAgentLogger, logSetup } from './logger.js';
import { planReload } from './reload.js';
import type { AgentSettings } from './settings.js';

/** How an agent started from the command line reloads, and what it should warn about once it logs. */
export interface AgentStartContext {
  /** True when -v/--log-level or the config file set the level (readable logs default to warn otherwise). */
  readonly levelExplicit?: boolean;
  /** The settings anew, for SIGHUP; without it a SIGHUP changes nothing (the agent keeps running). */
  readonly reread?: () => AgentSettings;
  /** Warnings found before the logger existed (an expired token accepted). */
  readonly notices?: readonly string[];
  /** Gossip keys from MESHNODE_KEYS, read (and removed from the environment) at start. */
  readonly envKeys?: readonly Buffer[];
  /** The gossip key of a join token made with --with-key. */
  readonly tokenKey?: string;
}

function logLevelFor(settings: AgentSettings, context: AgentStartContext) {
  return logSetup({
    format: settings.logFormat,
    json: settings.json,
    level: settings.logLevel,
    levelExplicit: context.levelExplicit ?? true,
    stderrIsTTY: process.stderr.isTTY === true,
  });
}

/** The agent's logger in the format and at the level its settings call for, with the start-up notices. */
export function agentLogger(settings: AgentSettings, context: AgentStartContext): AgentLogger {
  const setup = logLevelFor(settings, context);
  const logger = createAgentLogger(setup.level, setup.format);
  for (const notice of context.notices ?? []) logger.warn({}, notice);
  return logger;
}

export interface AgentOperations {
  readonly handlers: EventHandlers;
  /** Re-reads the settings and applies what can change; never throws. */
  reload(): Promise<void>;
  close(): void;
}

/** Starts the event handlers and listens for SIGHUP; close() undoes both. */
export function startAgentOperations(options: {
  readonly settings: AgentSettings;
  readonly context: AgentStartContext;
  readonly logger: AgentLogger;
  readonly events: EventHub;
  readonly printer: EventPrinter;
  readonly node: () => MeshNode | undefined;
}): AgentOperations {
  const { logger, context, printer } = options;
  let current = options.settings;
  const reread = context.reread ?? (() => current);
  const onReload = (outcome: { applied: string[]; needRestart: string[]; error?: string }) => {
    const restart =
      outcome.needRestart.length > 0 ? `; needs a restart: ${outcome.needRestart.join(', ')}` : '';
    printer.other(
      'reload',
      { applied: outcome.applied, needRestart: outcome.needRestart, error: outcome.error ?? null },
      // A failed reload is a warning in the log already.
      outcome.error !== undefined
        ? undefined
        : `reloaded (applied: ${outcome.applied.join(', ') || 'nothing changed'}${restart})`,
    );
  };
  const self = (): SelfInfo => {
    const node = options.node();
    const indices = node?.indices();
    return {
      id: node?.id ?? '',
      address: node?.address ?? '',
      index: indices?.index ?? -1,
      threads: indices?.threads ?? current.threads,
      total: indices?.total ?? 0,
      viewId: formatViewId(indices?.viewId ?? 0),
      settled: indices?.settled ?? false,
      metadata: (node === undefined ? undefined : node.member(node.id)?.metadata) ?? current.metadata,
    };
  };
  const handlers = new EventHandlers({
    specs: current.eventHandlers,
    self,
    logger,
    limits: { timeoutMs: current.eventHandlerTimeoutMs, concurrency: current.eventHandlerConcurrency },
  });
  const unsubscribe = options.events.subscribe(({ event }) => handlers.dispatch(event));

  const operations: AgentOperations = {
    handlers,
    async reload() {
      let next: AgentSettings;
      try {
        next = reread();
      } catch (error) {
        const message = (error as Error).message;
        logger.warn({ err: message }, 'reload failed: the settings are unchanged');
        onReload({ applied: [], needRestart: [], error: message });
        return;
      }
      const plan = planReload(current, next);
      const applied: string[] = [];
      const handlerFields: readonly string[] = [
        'eventHandlers',
        'eventHandlerTimeoutMs',
        'eventHandlerConcurrency',
      ];
      for (const field of plan.apply) {
        if (handlerFields.includes(field)) continue;
        try {
          if (field === 'logLevel') logger.level = logLevelFor(next, context).level;
          else if (field === 'metadata') await options.node()?.setMetadata(next.metadata);
          else if (field === 'verifyIncoming' || field === 'verifyOutgoing') {
            const value = next[field];
            // Back to unset: the agent keeps what runs (the default was decided at start).
            if (value !== undefined) options.node()?.keyring.setSwitches({ [field]: value });
          }
          applied.push(field);
        } catch (error) {
          logger.warn({ field, err: (error as Error).message }, 'reload could not apply a setting');
        }
      }
      if (plan.apply.some((field) => handlerFields.includes(field))) {
        handlers.replace(next.eventHandlers);
        handlers.setLimits({
          timeoutMs: next.eventHandlerTimeoutMs,
          concurrency: next.eventHandlerConcurrency,
        });
        for (const field of plan.apply) if (handlerFields.includes(field)) applied.push(field);
      }
      const node = options.node();
      if (current.keyringFile !== undefined && node !== undefined) {
        if (reloadKeyringFile(node, current.keyringFile, logger)) applied.push('keys');
      }
      if (plan.needRestart.length > 0)
        logger.warn({ fields: plan.needRestart }, 'reload: these settings changed and need a restart');
      logger.info({ applied, needRestart: plan.needRestart }, 'reloaded the settings');
      current = {
        ...next,
        // What was not applied stays as it runs, so the next reload compares against the running agent.
        ...Object.fromEntries(plan.needRestart.map((field) => [field, current[field]])),
      } as AgentSettings;
      onReload({ applied, needRestart: [...plan.needRestart] });
    },
    close() {
      unsubscribe();
      handlers.close();
      process.off('SIGHUP', onHangup);
    },
  };
  // A closed terminal sends SIGHUP: reload rather than die without leaving.
  const onHangup = () => {
    logger.info({}, 'SIGHUP: reloading the settings');
    void operations.reload();
  };
  process.on('SIGHUP', onHangup);
  return operations;
}
