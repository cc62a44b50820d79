/**
 * One pass over the addresses a name gave: a few at a time, in a random
 * order, until a batch joins. A random order spreads joiners over the pods
 * behind one name; small batches keep within the transport's limit on
 * concurrent syncs and make a dead address cost one batch, not the attempt.
 */
import { JoinError } from './errors.js';

/** Addresses joined through at once; the next ones are tried only when these fail. */
export const SEED_BATCH_SIZE = 3;
/** Addresses tried in one pass at most (a headless Service may list many pods). */
export const SEED_ADDRESSES_PER_ATTEMPT_MAX = 24;

export type InTurnOutcome =
  | { readonly kind: 'joined'; readonly through: readonly string[] }
  | { readonly kind: 'failed'; readonly error: Error }
  | { readonly kind: 'stopped' };

export interface InTurnOptions {
  readonly random: () => number;
  /** Checked before each batch: true ends the pass ("stopped"). */
  readonly stopped?: () => boolean;
  /** An error no other address can cure (an id conflict): thrown at once. */
  readonly fatal: (error: unknown) => boolean;
}

export async function joinInTurn(
  addresses: readonly string[],
  join: (batch: readonly string[]) => Promise<void>,
  options: InTurnOptions,
): Promise<InTurnOutcome> {
  const order = shuffled(addresses, options.random).slice(0, SEED_ADDRESSES_PER_ATTEMPT_MAX);
  const errors: Error[] = [];
  const tried: string[] = [];
  for (let start = 0; start < order.length; start += SEED_BATCH_SIZE) {
    if (options.stopped?.() === true) return { kind: 'stopped' };
    const batch = order.slice(start, start + SEED_BATCH_SIZE);
    try {
      await join(batch);
      return { kind: 'joined', through: batch };
    } catch (caught) {
      if (options.fatal(caught)) throw caught;
      errors.push(caught instanceof Error ? caught : new Error(String(caught)));
      tried.push(...batch);
    }
  }
  return { kind: 'failed', error: combineErrors(errors, tried) };
}

/** A copy in random order (Fisher-Yates). */
function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.min(i, Math.floor(random() * (i + 1)));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

/**
 * One error for a pass: a single batch's error as thrown (a JoinError keeps
 * its code); several JoinErrors become one naming every address tried.
 */
function combineErrors(errors: readonly Error[], tried: readonly string[]): Error {
  if (errors.length === 1) return errors[0] as Error;
  if (errors.length > 0 && errors.every((error) => error instanceof JoinError)) {
    const failures = Object.assign({}, ...errors.map((error) => (error as JoinError).failures));
    return new JoinError(tried, undefined, failures);
  }
  return errors[errors.length - 1] ?? new Error('no address was tried');
}
