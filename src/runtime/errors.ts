/**
 * Errors raised by the runtime itself. They live here, not with the node's
 * errors, so that the runtime depends only on the core below it; the node
 * re-exports them for applications.
 */
import { MeshError } from '../core/errors.js';

/** The UDP socket or the TCP listener could not bind (port in use, unknown or foreign host). */
export class BindError extends MeshError {
  /** The "host:port" that was asked for. */
  readonly address: string;
  constructor(address: string, reason: string, options?: { cause?: unknown }) {
    super('ERR_MESH_BIND', `cannot bind ${address}: ${reason}`, options);
    this.address = address;
  }
}

/**
 * A stream exchange failed: the connection was refused, timed out, closed
 * early or carried a bad frame. `reason` is short and stable (a socket
 * error code such as "ECONNREFUSED", or "timeout", "closed", "frame-kind").
 */
export class TransportError extends MeshError {
  readonly reason: string;
  constructor(reason: string, message?: string) {
    super('ERR_MESH_TRANSPORT', message ?? reason);
    this.reason = reason;
  }
}
