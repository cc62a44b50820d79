/** One warning per peer address per minute for the drops that mean nodes do not mix. */
import { describe, expect, it } from 'vitest';
import { PEER_WARNING_PEERS_MAX, PeerDropWarnings } from '../../src/runtime/peer-warnings.js';

function recorder() {
  const lines: { obj: Record<string, unknown>; msg: string | undefined }[] = [];
  const keep = (obj: object, msg?: string) => lines.push({ obj: obj as Record<string, unknown>, msg });
  return { lines, logger: { debug: () => {}, info: () => {}, error: () => {}, warn: keep } };
}

describe('PeerDropWarnings', () => {
  it('warns once per peer per minute, then reports how many drops it held back', () => {
    const { lines, logger } = recorder();
    let now = 0;
    const warnings = new PeerDropWarnings(logger, () => now);
    for (let i = 0; i < 10; i++) warnings.note('not-encrypted', '10.0.0.2:7946');
    expect(lines).toHaveLength(1);
    expect(lines[0]?.obj).toEqual({
      peer: '10.0.0.2:7946',
      reason: 'not-encrypted',
      droppedSinceLastWarning: 0,
    });
    expect(lines[0]?.msg).toContain('10.0.0.2:7946');
    now = 59_999;
    warnings.note('bad-tag', '10.0.0.2:7946');
    expect(lines).toHaveLength(1);
    now = 60_000;
    warnings.note('bad-tag', '10.0.0.2:7946');
    expect(lines).toHaveLength(2);
    expect(lines[1]?.obj).toMatchObject({ reason: 'bad-tag', droppedSinceLastWarning: 10 });
  });

  it('each peer gets its own line; reasons that are not about keys get none', () => {
    const { lines, logger } = recorder();
    const warnings = new PeerDropWarnings(logger, () => 0);
    warnings.note('no-key', '10.0.0.2:7946');
    warnings.note('no-key', '10.0.0.3:7946');
    warnings.note('malformed', '10.0.0.4:7946');
    warnings.note('too-short', '10.0.0.4:7946');
    expect(lines.map((line) => line.obj.peer)).toEqual(['10.0.0.2:7946', '10.0.0.3:7946']);
  });

  it('knows a TCP peer by its host: every connection comes from a new source port', () => {
    const { lines, logger } = recorder();
    const warnings = new PeerDropWarnings(logger, () => 0);
    warnings.note('bad-tag', '10.0.0.2:50001', 'stream');
    warnings.note('bad-tag', '10.0.0.2:50002', 'stream');
    warnings.note('bad-tag', '[fd00::2]:50003', 'stream');
    expect(lines.map((line) => line.obj.peer)).toEqual(['10.0.0.2 over TCP', 'fd00::2 over TCP']);
  });

  it('remembers a bounded number of peers: a spray from forged sources cannot flood the log', () => {
    const { lines, logger } = recorder();
    let now = 0;
    const warnings = new PeerDropWarnings(logger, () => now);
    for (let i = 0; i < PEER_WARNING_PEERS_MAX * 4; i++)
      warnings.note('bad-tag', `10.1.${i >> 8}.${i & 255}:1`);
    expect(lines).toHaveLength(PEER_WARNING_PEERS_MAX);
    now = 60_000;
    warnings.note('bad-tag', '10.9.9.9:1');
    expect(lines).toHaveLength(PEER_WARNING_PEERS_MAX + 1);
  });
});
