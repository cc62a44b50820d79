/**
 * meshnode: the one public entry. Everything an application may use is
 * exported here by name; anything else is internal. The simulator has its
 * own entry (meshnode/sim).
 */
// The public types use Node's (EventEmitter, Buffer): this pulls in @types/node (a
// dependency) for a consumer whose tsconfig lists no "types", the default since TypeScript 6.
/// <reference types="node" preserve="true" />

export { formatAddress, type HostPort, parseAddress } from './core/address.js';
export { type PresetName, type ProtocolConfig, presets } from './core/config.js';
export {
  ConfigError,
  MeshError,
  MetadataTooLargeError,
  StateError,
  UserEventRateError,
  UserEventTooLargeError,
  ValidationError,
} from './core/errors.js';
export type { Member, MemberState, Metadata, View, ViewMember } from './core/types.js';
export { type HashKey, Rendezvous, rendezvousOwner, rendezvousOwners } from './hashing/rendezvous.js';
export {
  BindError,
  ClosedError,
  IdConflictError,
  JoinError,
  MemberAliveError,
  UnknownMemberError,
} from './node/errors.js';
export {
  type EncryptionSwitches,
  generateKey,
  type KeyInfo,
  type KeyInput,
  KeyringError,
  type KeyringStatus,
  keyId,
  type NodeKeyring,
} from './node/keyring.js';
export { createNode, MeshNode } from './node/node.js';
export {
  DEFAULT_PORT,
  type EncryptionOptions,
  type HostPortOption,
  type NodeOptions,
  resolveNodeConfig as resolveConfig,
  type StaticPlacement,
} from './node/options.js';
export {
  createDnsResolver,
  type DnsResolverOptions,
  type SeedResolver,
  type ServiceRecord,
  systemResolver,
} from './node/seed-resolver.js';
export type {
  CloseInfo,
  Indices,
  JoinOptions,
  LeaveOptions,
  MemberInfo,
  MeshNodeEvents,
  NodeStats,
  UserEvent,
} from './node/types.js';
export type { Logger } from './runtime/logger.js';
export type { TransportLimits } from './runtime/runtime.js';
