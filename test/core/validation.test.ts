import { describe, expect, it } from 'vitest';
import { MetadataTooLargeError, ValidationError } from '../../src/core/errors.js';
import { idProblem, validateId, validateMetadata } from '../../src/core/validation.js';

describe('idProblem', () => {
  it.each([
    ['node-1'],
    ['x'],
    ['a'.repeat(128)],
    ['é'.repeat(64)], // 2 bytes each: 128 bytes
    ['ノード'],
    ['😀'.repeat(32)], // 4 bytes each: 128 bytes
    ['tab\u00a0no-break'], // U+00A0 is the first code point after the C1 block
  ])('accepts %j', (id) => {
    expect(idProblem(id)).toBeUndefined();
  });

  it.each([
    ['', 'must be a non-empty string'],
    [undefined, 'must be a non-empty string'],
    [42, 'must be a non-empty string'],
    ['a'.repeat(129), 'must be at most 128 UTF-8 bytes'],
    [`${'é'.repeat(64)}a`, 'must be at most 128 UTF-8 bytes'],
    ['\ud800', 'is not well-formed Unicode'],
    ['a\udc00b', 'is not well-formed Unicode'],
    ['\u0000', 'contains a control character'],
    ['line\nbreak', 'contains a control character'],
    ['tab\there', 'contains a control character'],
    ['\u001b[2Jcleared', 'contains a control character'], // ESC: clears the screen
    ['\u001b]0;title\u0007', 'contains a control character'], // OSC window title
    ['del\u007f', 'contains a control character'],
    ['c1\u0080', 'contains a control character'],
    ['csi\u009b2J', 'contains a control character'], // the 8-bit CSI
    ['c1\u009f', 'contains a control character'],
  ])('rejects %j: %s', (id, problem) => {
    expect(idProblem(id)).toBe(problem);
  });
});

describe('validateId', () => {
  it('returns a valid id and names the argument in the error', () => {
    expect(validateId('node-1')).toBe('node-1');
    expect(() => validateId('a\u001bb', 'member id')).toThrow(
      new ValidationError('member id contains a control character'),
    );
    expect(() => validateId('')).toThrow(ValidationError);
  });
});

describe('validateMetadata', () => {
  it('returns a frozen copy of a valid map', () => {
    const input = { role: 'db', zone: 'eu-1' };
    const checked = validateMetadata(input, 512);
    expect(checked).toEqual(input);
    expect(checked).not.toBe(input);
    expect(Object.isFrozen(checked)).toBe(true);
  });

  it('takes up to 64 keys and rejects the 65th', () => {
    const keys = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, '']));
    expect(Object.keys(validateMetadata(keys(64), 16_384))).toHaveLength(64);
    expect(() => validateMetadata(keys(65), 16_384)).toThrow(
      new ValidationError('metadata has 65 keys, over 64'),
    );
  });

  it('counts keys and values in UTF-8 bytes against the limit, inclusive', () => {
    // "ab" + "é€" = 2 + 2 + 3 = 7 bytes.
    expect(validateMetadata({ ab: 'é€' }, 7)).toEqual({ ab: 'é€' });
    const error = (() => {
      try {
        validateMetadata({ ab: 'é€' }, 6);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(MetadataTooLargeError);
    expect(error).toMatchObject({ bytes: 7, limit: 6 });
  });

  it.each([
    [null, 'metadata must be an object of strings'],
    [['a'], 'metadata must be an object of strings'],
    ['role=db', 'metadata must be an object of strings'],
    [{ n: 1 }, 'metadata "n" must be a string'],
    [{ k: '\ud800' }, 'metadata "k" is not well-formed Unicode'],
    [{ '\udfff': 'v' }, 'metadata "\udfff" is not well-formed Unicode'],
  ])('rejects %j', (metadata, message) => {
    expect(() => validateMetadata(metadata, 512)).toThrow(new ValidationError(message));
  });
});
