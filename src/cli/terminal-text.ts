/**
 * Text that came from the network (ids, addresses, metadata keys and
 * values, log fields, anything an agent's API answers) made safe to print on
 * a terminal. Metadata may hold any string, and an id or address only
 * looked at by validation on the way in can still reach a terminal through
 * another agent's API, so every human output passes its fields through here.
 *
 * Escaped as visible \xNN or \uNNNN: C0 controls (ESC, BEL, CR, LF, tab
 * among them: a line must not be broken or overwritten), DEL, C1 controls
 * (a terminal may read U+009B as CSI), the bidirectional overrides and
 * isolates that reorder what is shown, and the Unicode line separators.
 * Everything else, any script or emoji, prints as it is.
 */

function isUnsafe(unit: number): boolean {
  return (
    unit < 0x20 ||
    (unit >= 0x7f && unit <= 0x9f) ||
    (unit >= 0x202a && unit <= 0x202e) ||
    (unit >= 0x2066 && unit <= 0x2069) ||
    unit === 0x2028 ||
    unit === 0x2029 ||
    unit === 0x061c ||
    unit === 0x200e ||
    unit === 0x200f
  );
}

function escapeUnit(unit: number): string {
  return unit <= 0xff
    ? `\\x${unit.toString(16).padStart(2, '0')}`
    : `\\u${unit.toString(16).padStart(4, '0')}`;
}

/** `text` with every terminal control escaped (see above); the same string when it holds none. */
export function printable(text: string): string {
  let out: string | undefined;
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (!isUnsafe(unit)) continue;
    out = (out ?? '') + text.slice(from, i) + escapeUnit(unit);
    from = i + 1;
  }
  return out === undefined ? text : out + text.slice(from);
}

/** Any value as printable text: strings as they are, others as JSON (whose escapes stop at C0). */
export function printableValue(value: unknown): string {
  return printable(typeof value === 'string' ? value : String(JSON.stringify(value)));
}
