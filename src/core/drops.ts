/**
 * Every reason an input can be dropped and counted, in one table: the codec,
 * the core and the transports each take their type from it, `stats().drops`
 * is keyed by it and the `meshnode_dropped_total` metric lists every reason
 * from it, at 0 until it happens. A new reason is added here and nowhere else.
 * `peerWarning`: besides the count, the runtime logs one warning per peer
 * address per minute (plain and encrypted nodes must never mix silently).
 */
export const DROP_REASONS = {
  // The codec, before the core sees anything.
  'too-short': { layer: 'codec', meaning: 'shorter than the envelope' },
  'bad-magic': { layer: 'codec', meaning: 'not a meshnode packet' },
  'bad-version': { layer: 'codec', meaning: 'a protocol version this node does not speak' },
  'foreign-cluster': { layer: 'codec', meaning: 'another cluster key or environment' },
  'unsupported-flags': { layer: 'codec', meaning: 'envelope flags this node does not know' },
  'not-encrypted': {
    layer: 'codec',
    meaning: 'a plain input while incoming verification is on',
    peerWarning: true,
  },
  'no-key': { layer: 'codec', meaning: 'a sealed input while this node has no keys', peerWarning: true },
  'bad-tag': {
    layer: 'codec',
    meaning: 'a sealed input no installed key opens (forged, altered or another key)',
    peerWarning: true,
  },
  stale: {
    layer: 'codec',
    meaning: 'a sealed input sent outside the replay window of this clock',
    peerWarning: true,
  },
  replayed: { layer: 'codec', meaning: 'a sealed input accepted once already', peerWarning: true },
  'too-large': { layer: 'codec', meaning: 'over packetBytesMax or stateBytesMax' },
  malformed: { layer: 'codec', meaning: 'not exactly one well-formed msgpack value of the expected kind' },
  'invalid-field': {
    layer: 'codec',
    meaning: 'well-formed msgpack that breaks the schema (type code, field count, a field out of range)',
  },
  'too-many-messages': { layer: 'codec', meaning: 'more messages (or state rows) than allowed' },
  // The protocol core.
  'unknown-sender': { layer: 'core', meaning: 'a message only a member may send, from a non-member' },
  'wrong-target': { layer: 'core', meaning: 'a ping for another node id' },
  'stale-seq': { layer: 'core', meaning: 'an ack or nack for no probe in flight' },
  'threads-max': { layer: 'core', meaning: 'an alive claiming more threads than config.threadsMax' },
  'candidates-max': { layer: 'core', meaning: 'a member to verify while too many wait for their answer' },
  unverified: { layer: 'core', meaning: 'a member that never answered the pings verifying it' },
  'members-max': { layer: 'core', meaning: 'a new member while the table is full' },
  'ack-source': { layer: 'core', meaning: 'an ack or nack from neither the probed member nor a relay asked' },
  'relay-target': { layer: 'core', meaning: 'a ping-req for a member not known at that address' },
  'incarnation-ahead': {
    layer: 'core',
    meaning: 'an incarnation beyond any honest clock (see incarnation-bounds.ts)',
  },
  'incarnation-jump': {
    layer: 'core',
    meaning: 'an accusation far above the incarnation its subject last announced',
  },
  'relays-max': { layer: 'core', meaning: 'a ping-req while too many relays are in flight' },
  'queue-full': { layer: 'core', meaning: 'an update or user event while its broadcast queue is full' },
  'event-stale': {
    layer: 'core',
    meaning: 'a user event from before this node joined, or older than its duplicate memory',
  },
  'event-rate': {
    layer: 'core',
    meaning: 'a new user event over userEventReceivePerSecondMax or over what the duplicate memory holds',
  },
  // The runtime and its transports.
  'encode-error': { layer: 'transport', meaning: 'a message from the core that could not be encoded' },
  'core-error': { layer: 'transport', meaning: 'an input on which the core threw' },
  'send-error': { layer: 'transport', meaning: 'a datagram the socket refused to send' },
  'socket-error': { layer: 'transport', meaning: 'an error reported by the UDP socket' },
  'bad-address': { layer: 'transport', meaning: 'a destination that is not host:port' },
  'address-family': { layer: 'transport', meaning: 'a destination of the other IP family' },
  'stream-error': { layer: 'transport', meaning: 'a TCP connection that failed' },
  'sync-limit': { layer: 'transport', meaning: 'a full-state sync over the concurrent limit' },
  'stream-limit': { layer: 'transport', meaning: 'a stream probe over the concurrent limit' },
  'connection-limit': { layer: 'transport', meaning: 'a TCP connection over the concurrent limit' },
  'source-limit': {
    layer: 'transport',
    meaning: 'a TCP connection over the limit of connections from one source address',
  },
  'first-byte-timeout': {
    layer: 'transport',
    meaning: 'a TCP connection closed for sending nothing within firstByteTimeoutMs',
  },
  'sync-timeout': {
    layer: 'transport',
    meaning: 'an inbound sync (or a connection yet to say what it is) still incomplete at its deadline',
  },
  'sync-busy': { layer: 'transport', meaning: 'a full-state sync to a peer already syncing with this node' },
  'frame-kind': { layer: 'transport', meaning: 'a TCP frame of an unknown or unexpected kind' },
  'frame-too-large': { layer: 'transport', meaning: 'a TCP frame declared larger than allowed' },
} as const;

type Table = typeof DROP_REASONS;

/** Any drop reason. */
export type DropReasonName = keyof Table;

/** The drop reasons of one layer. */
export type DropReasonOf<Layer extends Table[DropReasonName]['layer']> = {
  [R in DropReasonName]: Table[R]['layer'] extends Layer ? R : never;
}[DropReasonName];

/** Every reason, in table order. */
export const dropReasonNames: readonly DropReasonName[] = Object.keys(DROP_REASONS) as DropReasonName[];

/** Drops counted so far, by reason; reasons that never happened are absent. */
export type DropCounts = Partial<Record<DropReasonName, number>>;

/** Adds `from` into `into`, reason by reason. */
export function addDrops(into: DropCounts, from: Readonly<DropCounts>): DropCounts {
  for (const reason of Object.keys(from) as DropReasonName[]) {
    into[reason] = (into[reason] ?? 0) + (from[reason] ?? 0);
  }
  return into;
}
