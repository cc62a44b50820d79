import { describe, expect, it } from 'vitest';
import { ConfigError, resolveConfig } from '../../src/index.js';

describe('the public resolveConfig', () => {
  it('still refuses metadata that cannot fit a packet with the codec nodes use', () => {
    // The longest alive message with empty metadata (414, a 9-byte incarnation) plus a map16 header and
    // 128 string headers (131), 1024 bytes with 32 strings of 32+ and 4 of 256+ bytes (1060), and 11
    // bytes of packet framing: 1616; and 36 for the seal (nonce, timestamp, tag), which a network node
    // always reserves so that keys can be installed at run time: 1652.
    expect(() => resolveConfig({ metadataBytesMax: 1024 })).toThrow(ConfigError);
    expect(resolveConfig({ metadataBytesMax: 1024, packetBytesMax: 1652 }).packetBytesMax).toBe(1652);
    expect(() => resolveConfig({ metadataBytesMax: 1024, packetBytesMax: 1651 })).toThrow(ConfigError);
  });
});
