/**
 * One copy per process of each member id and address read from the wire.
 * Every node keeps a row per member, for as long as the member lives, and
 * every node in a process (a test, a benchmark, a host running several)
 * keeps its own: 200 nodes in one process held 40,000 rows, each with its
 * own decoded copy of an id and an address, the address often a slice that
 * kept alive the whole run of strings msgpackr decoded it from.
 *
 * A string found here passed its check when it went in (the checks are the
 * same for every node), so a reader skips the check for it: checking every
 * address of every message was the largest single cost of a join.
 *
 * Bounded: past `stringsMax` distinct strings a table starts over, so a
 * flood of made-up ids costs a little memory and time, never the process.
 */

/** Distinct strings a table holds: ids or addresses of a cluster of 4,096. */
export const INTERNED_STRINGS_MAX = 4096;

export class InternedStrings {
  private readonly known = new Map<string, string>();

  constructor(private readonly stringsMax: number) {}

  get size(): number {
    return this.known.size;
  }

  /** The copy kept of `text`, or undefined when it is not (or no longer) kept. */
  find(text: string): string | undefined {
    return this.known.get(text);
  }

  /** Keeps a copy of `text`, which the caller has checked, and returns it. */
  keep(text: string): string {
    if (this.known.size >= this.stringsMax) this.known.clear();
    const copy = flatCopy(text);
    this.known.set(copy, copy);
    return copy;
  }
}

/**
 * A copy that owns its characters: a slice of a longer string would keep
 * that string alive for as long as the copy is kept. One byte per character
 * where every character fits (addresses always, ids mostly).
 */
function flatCopy(text: string): string {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0xff) return Buffer.from(text, 'utf16le').toString('utf16le');
  }
  return Buffer.from(text, 'latin1').toString('latin1');
}

/** The ids and the addresses read by this process's codecs. */
export const INTERNED_IDS = new InternedStrings(INTERNED_STRINGS_MAX);
export const INTERNED_ADDRESSES = new InternedStrings(INTERNED_STRINGS_MAX);
