import { describe, expect, it } from 'vitest';
import { FieldError, readAddress, readId } from '../../src/codec/fields.js';
import { INTERNED_ADDRESSES, INTERNED_IDS, InternedStrings } from '../../src/codec/interned.js';

describe('interned ids and addresses', () => {
  it('keeps one copy of each string, with the same characters, however it was made', () => {
    const table = new InternedStrings(8);
    for (const text of ['n0001', '127.0.0.1:7946', 'nœud-ü', 'ключ-😀', '\ud800-lone']) {
      expect(table.find(text)).toBeUndefined();
      const kept = table.keep(`${text}¯tail`.slice(0, text.length));
      expect(kept).toBe(text);
      expect(table.find(text)).toBe(text);
    }
    expect(table.size).toBe(5);
  });

  it('starts over past its bound, so made-up strings cannot grow it', () => {
    const table = new InternedStrings(3);
    for (let i = 0; i < 10; i++) {
      table.keep(`fake-${i}`);
      expect(table.size).toBeLessThanOrEqual(3);
    }
    // The last ones are kept, the first ones forgotten.
    expect(table.find('fake-9')).toBe('fake-9');
    expect(table.find('fake-0')).toBeUndefined();
  });

  it('a string kept as an id is still checked as an address, and the other way round', () => {
    expect(readId('n0001-interned', 'id')).toBe('n0001-interned');
    expect(INTERNED_IDS.find('n0001-interned')).toBe('n0001-interned');
    expect(() => readAddress('n0001-interned', 'address')).toThrow(FieldError);
    expect(readAddress('10.1.2.3:7946', 'address')).toBe('10.1.2.3:7946');
    expect(INTERNED_ADDRESSES.find('10.1.2.3:7946')).toBe('10.1.2.3:7946');
    expect(readId('10.1.2.3:7946', 'id')).toBe('10.1.2.3:7946');
  });

  it('keeps nothing that fails its check', () => {
    expect(() => readAddress('example.org:7946', 'address')).toThrow(FieldError);
    expect(INTERNED_ADDRESSES.find('example.org:7946')).toBeUndefined();
    expect(() => readId('bad\u0000id', 'id')).toThrow(FieldError);
    expect(INTERNED_IDS.find('bad\u0000id')).toBeUndefined();
    expect(() => readId(42, 'id')).toThrow(FieldError);
  });
});
