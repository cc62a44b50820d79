/** Types of format.js for the tests (the page itself is plain JavaScript, served as is). */
export interface PageMember {
  readonly id: string;
  readonly address: string;
  readonly threads: number;
  readonly index: number;
  readonly state: string;
  readonly incarnation: number;
  readonly metadata: Readonly<Record<string, string>>;
  readonly rttMs: number | null;
  readonly self: boolean;
}
export interface RttSeries {
  readonly ts: readonly number[];
  readonly ms: readonly (number | null)[];
}
export interface BarSegment {
  readonly id: string;
  readonly threads: number;
  readonly range: string;
  readonly state: string;
  readonly self: boolean;
}
export const EVENT_LOG_MAX: number;
export const MEMBERS_POLL_MS: number;
export const RTT_WINDOW_MS: number;
export const SORTABLE_COLUMNS: readonly string[];
export function indexRange(member: Pick<PageMember, 'index' | 'threads'>): string;
export function formatRtt(rttMs: number | null | undefined): string;
export function formatUptime(ms: number): string;
export function formatTime(ts: number): string;
export function formatMetadata(metadata: Readonly<Record<string, string>> | undefined): string;
export function sortMembers<T extends PageMember>(
  members: readonly T[],
  column: string,
  descending: boolean,
): T[];
export function memberColour(id: string): string;
export function barSegments(members: readonly PageMember[]): BarSegment[];
export function describeEvent(event: { readonly type: string; readonly [field: string]: unknown }): string;
export function prependBounded<T>(list: readonly T[], item: T, max: number): T[];
export function addRttSamples(
  series: Readonly<Record<string, RttSeries>>,
  members: readonly PageMember[],
  ts: number,
  windowMs?: number,
): Record<string, RttSeries>;
