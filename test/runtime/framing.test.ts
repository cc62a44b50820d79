import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeFrame, FRAME_HEADER_BYTES, FrameDecoder, FrameKind } from '../../src/runtime/framing.js';

const bytes = (...values: number[]) => Uint8Array.from(values);

describe('frames', () => {
  it('round-trips a frame fed in one chunk', () => {
    const decoder = new FrameDecoder(100);
    const { frames, error } = decoder.push(encodeFrame(FrameKind.state, bytes(1, 2, 3)));
    expect(error).toBeUndefined();
    expect(frames).toHaveLength(1);
    expect(frames[0]?.kind).toBe(FrameKind.state);
    expect([...(frames[0]?.payload ?? [])]).toEqual([1, 2, 3]);
    expect(decoder.pendingBytes).toBe(0);
  });

  it('reassembles frames split at any byte boundary', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 40 }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 13 }), { minLength: 1, maxLength: 20 }),
        (payloads, cuts) => {
          const stream = Buffer.concat(
            payloads.map((p, i) => encodeFrame(i % 2 ? FrameKind.packet : FrameKind.state, p)),
          );
          const decoder = new FrameDecoder(64);
          const got: Uint8Array[] = [];
          let offset = 0;
          let c = 0;
          while (offset < stream.length) {
            const size = cuts[c++ % cuts.length] as number;
            const { frames, error } = decoder.push(stream.subarray(offset, offset + size));
            expect(error).toBeUndefined();
            for (const f of frames) got.push(f.payload);
            offset += size;
          }
          expect(got.map((p) => [...p])).toEqual(payloads.map((p) => [...p]));
          expect(decoder.pendingBytes).toBe(0);
        },
      ),
    );
  });

  it('rejects a declared length over the limit before buffering the payload', () => {
    const decoder = new FrameDecoder(10);
    const header = Buffer.alloc(FRAME_HEADER_BYTES);
    header.writeUInt32BE(0xffffffff, 0);
    header.writeUInt8(FrameKind.state, 4);
    const first = decoder.push(header);
    expect(first.error).toBe('frame-too-large');
    expect(decoder.pendingBytes).toBe(0);
    // Stays failed: the connection is to be dropped.
    expect(decoder.push(encodeFrame(FrameKind.state, bytes(1))).error).toBe('frame-too-large');
  });

  it('accepts a frame of exactly the limit and rejects one byte more', () => {
    expect(new FrameDecoder(8).push(encodeFrame(FrameKind.packet, new Uint8Array(8))).frames).toHaveLength(1);
    expect(new FrameDecoder(8).push(encodeFrame(FrameKind.packet, new Uint8Array(9))).error).toBe(
      'frame-too-large',
    );
  });

  it('applies a limit per kind and refuses a kind limited to -1', () => {
    const decoder = new FrameDecoder({ packet: 4, state: 100 });
    expect(decoder.push(encodeFrame(FrameKind.state, new Uint8Array(50))).frames).toHaveLength(1);
    expect(decoder.push(encodeFrame(FrameKind.packet, new Uint8Array(5))).error).toBe('frame-too-large');
    const narrowed = new FrameDecoder({ packet: 4, state: 100 });
    narrowed.restrict({ packet: 4, state: -1 });
    expect(narrowed.push(encodeFrame(FrameKind.state, new Uint8Array(1))).error).toBe('frame-kind');
  });

  it('rejects an unknown kind', () => {
    const frame = encodeFrame(FrameKind.packet, bytes(1));
    frame.writeUInt8(9, 4);
    expect(new FrameDecoder(8).push(frame).error).toBe('frame-kind');
  });

  it('returns the frames completed before an error', () => {
    const good = encodeFrame(FrameKind.packet, bytes(7));
    const bad = encodeFrame(FrameKind.packet, new Uint8Array(20));
    const { frames, error } = new FrameDecoder(8).push(Buffer.concat([good, bad]));
    expect(frames).toHaveLength(1);
    expect(error).toBe('frame-too-large');
  });

  it('property: pendingFrame shows the first payload bytes of an incomplete frame, however it is split', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.integer({ min: 1, max: 80 }),
        (payload, cuts, wanted) => {
          const frame = encodeFrame(FrameKind.state, payload);
          // Everything but the last byte, in pieces.
          const held = frame.subarray(0, frame.length - 1);
          const points = [...new Set(cuts.map((c) => c % held.length))].sort((a, b) => a - b);
          const decoder = new FrameDecoder(1000);
          let from = 0;
          for (const point of [...points, held.length]) {
            decoder.push(held.subarray(from, point));
            from = point;
          }
          const pending = decoder.pendingFrame(wanted);
          if (held.length < FRAME_HEADER_BYTES) {
            expect(pending).toBeUndefined();
            return;
          }
          const arrived = held.length - FRAME_HEADER_BYTES;
          expect(pending).toEqual({
            kind: FrameKind.state,
            length: payload.length,
            prefix: Buffer.from(payload.subarray(0, Math.min(wanted, arrived))),
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});
