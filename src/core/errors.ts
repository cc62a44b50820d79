/**
 * Error classes with stable `code`s. Applications branch on `code`, never on
 * the message text.
 */
export class MeshError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A configuration field is unknown, of the wrong type or out of bounds. */
export class ConfigError extends MeshError {
  readonly field: string;
  constructor(field: string, message: string) {
    super('ERR_MESH_CONFIG', message);
    this.field = field;
  }
}

/** An argument to a public call is invalid (an id, an address, metadata). */
export class ValidationError extends MeshError {
  constructor(message: string) {
    super('ERR_MESH_INVALID', message);
  }
}

/** Metadata would exceed `metadataBytesMax` once encoded. */
export class MetadataTooLargeError extends MeshError {
  readonly bytes: number;
  readonly limit: number;
  constructor(bytes: number, limit: number) {
    super('ERR_MESH_METADATA_TOO_LARGE', `metadata is ${bytes} bytes, over the limit of ${limit}`);
    this.bytes = bytes;
    this.limit = limit;
  }
}

/** The node has left or was closed and cannot take this call. */
export class StateError extends MeshError {
  constructor(message: string) {
    super('ERR_MESH_STATE', message);
  }
}

/** A user event's payload is over `userEventPayloadBytesMax`. */
export class UserEventTooLargeError extends MeshError {
  readonly bytes: number;
  readonly limit: number;
  constructor(bytes: number, limit: number) {
    super('ERR_MESH_EVENT_TOO_LARGE', `event payload is ${bytes} bytes, over the limit of ${limit}`);
    this.bytes = bytes;
    this.limit = limit;
  }
}

/** This node sent user events faster than `userEventSendPerSecondMax`; `retryAfterMs` says when one fits again. */
export class UserEventRateError extends MeshError {
  readonly retryAfterMs: number;
  constructor(perSecondMax: number, retryAfterMs: number) {
    super(
      'ERR_MESH_EVENT_RATE',
      `user events are limited to ${perSecondMax} per second; the next fits in ${retryAfterMs} ms`,
    );
    this.retryAfterMs = retryAfterMs;
  }
}
