/**
 * The three-way contract between the pure protocol core and whatever drives
 * it (the UDP runtime or the simulator). The core never touches a socket, a
 * clock or a timer: it calls these methods, and the host calls the core back.
 */
import type { DropReasonOf } from './drops.js';
import type { Message, StateMessage, SyncRequest } from './messages.js';
import type { Member } from './types.js';

/** `datagram` is unreliable UDP; `stream` is the reliable TCP path (fallback probes). */
export type Channel = 'datagram' | 'stream';

/** Why the core dropped a piece of input; counted in stats (the table is in drops.ts). */
export type DropReason = DropReasonOf<'core'>;

export type MemberEventKind = 'join' | 'update' | 'suspect' | 'alive-again' | 'fail' | 'leave' | 'reap';

/** Something the application may care about. */
export type CoreEvent =
  /** A member changed state (or metadata). `previous` is absent for a newcomer. */
  | {
      readonly type: 'member';
      readonly kind: MemberEventKind;
      readonly member: Member;
      readonly previous?: Member;
    }
  /**
   * The applied view changed (at the coordinated deadline). Call
   * `core.view()` for the sorted members; it is built on demand.
   */
  | { readonly type: 'view'; readonly viewId: number; readonly total: number }
  /** Whether this node believes every live node holds the same view. */
  | { readonly type: 'settled'; readonly settled: boolean; readonly viewId: number }
  /** A graceful leave has gone out (or its timeout passed). */
  | { readonly type: 'leave-done'; readonly announced: boolean }
  /** This node heard itself suspected or declared dead and raised its incarnation. */
  | { readonly type: 'refuted'; readonly incarnation: number }
  /**
   * Someone claims this node's id is alive at another address: an earlier
   * life (refuted upward) or a second live process with the same id.
   */
  | { readonly type: 'conflict'; readonly id: string; readonly address: string }
  /**
   * While joining, the cluster held this node's id alive at another address,
   * so the core asked that address directly. `conflict`: a live process
   * answered for this id there; the core has stopped (join must fail).
   * `clear`: nobody answered, it was an earlier life, and admission goes on.
   */
  | { readonly type: 'id-check'; readonly outcome: 'conflict' | 'clear'; readonly address: string }
  /** A user event, delivered once on every member (the sender included); payload not copied. */
  | {
      readonly type: 'user-event';
      readonly name: string;
      readonly payload: Uint8Array;
      readonly fromId: string;
      readonly ltime: number;
    }
  /** Input dropped by the core (the codec counts its own drops). */
  | { readonly type: 'drop'; readonly reason: DropReason };

export interface CoreHost {
  /**
   * Send these messages as one packet. The core guarantees that the encoded
   * packet fits `packetBytesMax`.
   */
  send(to: string, messages: readonly Message[], channel: Channel): void;
  /**
   * Call `core.handleTimer(token, now)` once `delayMs` from now. The core
   * ignores tokens it no longer expects, so a host may fire every timer.
   */
  schedule(delayMs: number, token: number): void;
  /**
   * Optional: the core no longer needs timer `token` (a probe was answered
   * before its timeout). A host may drop it to spare a wakeup; firing it
   * anyway is harmless.
   */
  cancel?(token: number): void;
  /**
   * Open a state exchange with `to` over the reliable stream, carrying
   * `request` (a full or partial state, or a digest). Hand the peer's answer to `core.handleSyncReply`, or on any
   * failure call `core.handleSyncFailed(to, request.join, ...)`. On the peer, the
   * host passes the request to `core.answerState` and sends back what it
   * returns (nothing when it returns undefined).
   */
  sync(to: string, request: SyncRequest): void;
  notify(event: CoreEvent): void;
}

export type { StateMessage, SyncRequest };
