/**
 * The core's member store: one private record per member, in a map kept in
 * arrival order, and the others in an array with swap removal. Probe-order
 * keys are ids.
 */
import type { InitialShare, MemberStore, ProbeKeyCodec } from './member-store.js';
import { type MemberEntry, type MemberKey, type MemberRecord, stateRowOf } from './member-table.js';
import type { DigestSum } from './state-digest.js';
import type { MemberSnapshot } from './types.js';

/** Codes are positions in a list of the ids encoded this round. */
export class IdKeyCodec implements ProbeKeyCodec {
  private names: MemberKey[] = [];

  encode(key: MemberKey): number {
    return this.names.push(key) - 1;
  }

  decode(code: number): MemberKey {
    return this.names[code] as MemberKey;
  }

  newRound(): void {
    this.names = [];
  }
}

export class PlainMemberStore implements MemberStore {
  private readonly records = new Map<string, MemberRecord>();
  private readonly others: MemberRecord[] = [];

  constructor(readonly self: MemberRecord) {
    this.records.set(self.id, self);
  }

  get size(): number {
    return this.records.size;
  }

  get othersLength(): number {
    return this.others.length;
  }

  get(id: string): MemberEntry | undefined {
    return this.records.get(id);
  }

  record(id: string): MemberRecord | undefined {
    return this.records.get(id);
  }

  own(entry: MemberEntry): MemberRecord {
    const record = this.records.get(entry.id);
    if (record !== entry) throw new Error(`internal: ${entry.id} is not in the member table`);
    return record;
  }

  stateRow(entry: MemberEntry, viewDelayMs: number): MemberSnapshot {
    return stateRowOf(entry, viewDelayMs);
  }

  stateChangedAtMs(entry: MemberEntry): number {
    // Every entry of this store is a private record.
    return (entry as MemberRecord).stateChangedAtMs;
  }

  keyOf(id: string): MemberKey {
    return id;
  }

  byKey(key: MemberKey): MemberEntry | undefined {
    return this.records.get(key as string);
  }

  probeKeyCodec(): ProbeKeyCodec {
    return new IdKeyCodec();
  }

  forEach(visit: (entry: MemberEntry) => void): void {
    for (const record of this.records.values()) visit(record);
  }

  digestInto(sum: DigestSum): void {
    for (const record of this.records.values()) sum.addRow(record);
  }

  add(record: MemberRecord): void {
    record.slot = this.others.length;
    this.records.set(record.id, record);
    this.others.push(record);
  }

  remove(record: MemberRecord): void {
    const last = this.others.pop() as MemberRecord;
    if (last !== record) {
      last.slot = record.slot;
      this.others[record.slot] = last;
    }
    this.records.delete(record.id);
  }

  otherAt(position: number): MemberEntry {
    return this.others[position] as MemberRecord;
  }

  adoptInitial(): InitialShare | undefined {
    return undefined;
  }
}
