/**
 * The parts of a running agent an operator adjusts while it runs: its event
 * handlers (fed from the agent's event stream) and the SIGHUP reload that
 * re-reads the config file (see reload.ts for what it applies).
 */
import type { MeshNode } from '../node/node.js';
import type { EventHub } from '../status/events.js';
import { formatViewId } from '../status/types.js';
import type { SelfInfo } from './event-handler-spec.js';
import { EventHandlers } from './event-handlers.js';
import type { AgentLogger } from './logger.js';
import { planReload } from './reload.js';
import type { AgentSettings } from './settings.js';

export interface AgentOperations {
  readonly handlers: EventHandlers;
  /** Re-reads the settings and applies what can change; never throws. */
  reload(): Promise<void>;
  close(): void;
}

export function startAgentOperations(options: {
  readonly settings: AgentSettings;
  readonly logger: AgentLogger;
  readonly events: EventHub;
  readonly node: () => MeshNode | undefined;
  /** The settings as the flags and a fresh read of the config file give them now. */
  readonly reread: () => AgentSettings;
  /** The log level for a reloaded setting (pretty logs keep warn unless a level was given). */
  readonly levelFor: (settings: AgentSettings) => string;
  /** Hears each reload's outcome, for the event stream. */
  readonly onReload?: (outcome: { applied: string[]; needRestart: string[]; error?: string }) => void;
}): AgentOperations {
  const { logger } = options;
  let current = options.settings;
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

  return {
    handlers,
    async reload() {
      let next: AgentSettings;
      try {
        next = options.reread();
      } catch (error) {
        const message = (error as Error).message;
        logger.warn({ err: message }, 'reload failed: the settings are unchanged');
        options.onReload?.({ applied: [], needRestart: [], error: message });
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
          if (field === 'logLevel') logger.level = options.levelFor(next);
          else if (field === 'metadata') await options.node()?.setMetadata(next.metadata);
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
      if (plan.needRestart.length > 0)
        logger.warn({ fields: plan.needRestart }, 'reload: these settings changed and need a restart');
      logger.info({ applied, needRestart: plan.needRestart }, 'reloaded the settings');
      current = {
        ...next,
        // What was not applied stays as it runs, so the next reload compares against the running agent.
        ...Object.fromEntries(plan.needRestart.map((field) => [field, current[field]])),
      } as AgentSettings;
      options.onReload?.({ applied, needRestart: [...plan.needRestart] });
    },
    close() {
      unsubscribe();
      handlers.close();
    },
  };
}
