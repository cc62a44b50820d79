/**
 * `node.keyring`: the gossip keys and the two rollout switches of a running
 * node. Changes take effect on the next packet; each is logged by key id
 * (never by key). See the README's "Encryption and keys".
 */
import type { KeyInfo, KeyInput, Keyring } from '../codec/keyring.js';

export { generateKey, type KeyInfo, type KeyInput, KeyringError, keyId } from '../codec/keyring.js';

import type { Verification } from '../codec/sealing-codec.js';
import type { Logger } from '../runtime/logger.js';

/** Where the rollout switches live (the sealing codec of a network node). */
export interface VerificationSwitches {
  readonly verification: Verification;
  setVerification(change: Partial<Verification>): Verification;
}

export interface EncryptionSwitches {
  /** Drop plain (unencrypted) input. memberlist's GossipVerifyIncoming. */
  readonly verifyIncoming: boolean;
  /** Encrypt what this node sends. memberlist's GossipVerifyOutgoing. */
  readonly verifyOutgoing: boolean;
}

export interface KeyringStatus extends EncryptionSwitches {
  /** Installed keys by id, primary first. */
  readonly keys: KeyInfo[];
}

export class NodeKeyring {
  /** @internal Made by the node. */
  constructor(
    private readonly ring: Keyring,
    private readonly target: VerificationSwitches,
    private readonly logger: Logger,
  ) {}

  /** Installed keys, primary first, as ids: key bytes never leave the keyring. */
  list(): KeyInfo[] {
    return this.ring.list();
  }

  /** Adds a key every sealed input may be opened with; the first key of an empty keyring becomes the primary. */
  install(key: KeyInput): KeyInfo {
    const info = this.ring.install(key);
    this.logger.info({ keyId: info.id, primary: info.primary }, 'installed a gossip key');
    return info;
  }

  /** Makes an installed key (the key or its id) the one that encrypts. */
  use(keyOrId: KeyInput): KeyInfo {
    const info = this.ring.use(keyOrId);
    this.logger.info({ keyId: info.id }, 'gossip key is now primary');
    return info;
  }

  /** Removes an installed key other than the primary (KeyringError 'primary-key' otherwise). */
  remove(keyOrId: KeyInput): KeyInfo {
    const info = this.ring.remove(keyOrId);
    this.logger.info({ keyId: info.id }, 'removed a gossip key');
    return info;
  }

  /** Replaces every key at once (a reloaded keyring file), keys[0] primary; refuses to empty the keyring. */
  replace(keys: readonly KeyInput[]): KeyInfo[] {
    this.ring.replace(keys);
    const list = this.ring.list();
    this.logger.info({ keyIds: list.map((key) => key.id) }, 'replaced the gossip keys');
    return list;
  }

  /** The two rollout switches as they are now. */
  switches(): EncryptionSwitches {
    const { incoming, outgoing } = this.target.verification;
    return { verifyIncoming: incoming, verifyOutgoing: outgoing };
  }

  /** Turns either rollout switch on or off; the other keeps its value. */
  setSwitches(change: Partial<EncryptionSwitches>): EncryptionSwitches {
    const { incoming, outgoing } = this.target.setVerification({
      ...(change.verifyIncoming === undefined ? {} : { incoming: change.verifyIncoming }),
      ...(change.verifyOutgoing === undefined ? {} : { outgoing: change.verifyOutgoing }),
    });
    this.logger.info({ verifyIncoming: incoming, verifyOutgoing: outgoing }, 'encryption switches changed');
    return { verifyIncoming: incoming, verifyOutgoing: outgoing };
  }

  /** Keys by id and both switches, for status output. */
  status(): KeyringStatus {
    return { keys: this.list(), ...this.switches() };
  }

  /** @internal The primary key in base64, for a join token made with --with-key; undefined without keys. */
  exportPrimary(): string | undefined {
    return this.ring.primary?.export().toString('base64');
  }
}
