import { describe, expect, it } from 'vitest';
import { renderLibvirtError } from '../src/domain/libvirt-error.js';
import { NODESET_BITS, formatNodeset, hasSpaces, parseNodeset } from '../src/domain/nodeset.js';

const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);

describe('parseNodeset: accepted sets', () => {
  const cases: Array<{ text: string; ids: number[]; canonical: string; schemaValid: boolean; spaces?: boolean }> = [
    // spec §0.4 / R1.5 examples
    { text: '0-3,^2,5', ids: [0, 1, 3, 5], canonical: '0-1,3,5', schemaValid: true },
    { text: '1-4,^3', ids: [1, 2, 4], canonical: '1-2,4', schemaValid: true },
    { text: '0-3,^2', ids: [0, 1, 3], canonical: '0-1,3', schemaValid: true },
    { text: '0, 1', ids: [0, 1], canonical: '0-1', schemaValid: false, spaces: true },
    { text: '16383', ids: [16383], canonical: '16383', schemaValid: true },
    // plain forms
    { text: '0', ids: [0], canonical: '0', schemaValid: true },
    { text: '5', ids: [5], canonical: '5', schemaValid: true },
    { text: '0-0', ids: [0], canonical: '0', schemaValid: true },
    { text: '0-1', ids: [0, 1], canonical: '0-1', schemaValid: true },
    { text: '0,1,2,3,5', ids: [0, 1, 2, 3, 5], canonical: '0-3,5', schemaValid: true },
    { text: '3,1,2', ids: [1, 2, 3], canonical: '1-3', schemaValid: true },
    { text: '1,1', ids: [1], canonical: '1', schemaValid: true },
    { text: '0-3,2-5', ids: range(0, 5), canonical: '0-5', schemaValid: true },
    { text: '007', ids: [7], canonical: '7', schemaValid: true },
    { text: '0-3,^1,^1', ids: [0, 2, 3], canonical: '0,2-3', schemaValid: true },
    // '^N' only removes what was added before it
    { text: '^1,0-3', ids: [0, 1, 2, 3], canonical: '0-3', schemaValid: true },
    { text: '1,^1,1', ids: [1], canonical: '1', schemaValid: true },
    { text: '0-3,^5', ids: [0, 1, 2, 3], canonical: '0-3', schemaValid: true },
    { text: '0-16383', ids: range(0, 16383), canonical: '0-16383', schemaValid: true },
    { text: '16383,^0', ids: [16383], canonical: '16383', schemaValid: true },
    // whitespace around tokens (parser yes, RNG no)
    { text: ' 0', ids: [0], canonical: '0', schemaValid: false, spaces: true },
    { text: '0 ', ids: [0], canonical: '0', schemaValid: false, spaces: true },
    { text: '0 - 3', ids: [0, 1, 2, 3], canonical: '0-3', schemaValid: false, spaces: true },
    { text: ' 0 - 3 , ^2 , 5 ', ids: [0, 1, 3, 5], canonical: '0-1,3,5', schemaValid: false, spaces: true },
    { text: '0,\t1', ids: [0, 1], canonical: '0-1', schemaValid: false, spaces: true },
    { text: '0\n,1', ids: [0, 1], canonical: '0-1', schemaValid: false, spaces: true },
    // virBitmapParse quirks: trailing comma, signed range end (strtol)
    { text: '0,', ids: [0], canonical: '0', schemaValid: false },
    { text: '0-3, ', ids: [0, 1, 2, 3], canonical: '0-3', schemaValid: false, spaces: true },
    { text: '0-+3', ids: [0, 1, 2, 3], canonical: '0-3', schemaValid: false },
    { text: '0--0', ids: [0], canonical: '0', schemaValid: false },
    { text: '2-+2', ids: [2], canonical: '2', schemaValid: false },
  ];
  it.each(cases)('$text → $canonical', ({ text, ids, canonical, schemaValid, spaces }) => {
    const r = parseNodeset(text);
    expect(r).toEqual({ ok: true, ids, hasSpaces: spaces ?? false, schemaValid });
    if (r.ok) expect(formatNodeset(r.ids)).toBe(canonical);
  });
});

describe('parseNodeset: syntax errors', () => {
  it.each([
    '',
    ' ',
    '\t\n',
    ',',
    ',0',
    '0,,1',
    ',,',
    'a',
    'all',
    'auto',
    '0-a',
    '3-1',
    '5-4',
    '-1',
    '-0',
    '+1',
    '1-',
    '1- ',
    '1-,2',
    '^',
    '^ 2',
    '^^1',
    '^-1',
    '^1-3',
    '1^2',
    '1 2',
    '0-3-5',
    '0-3 4',
    '1.5',
    '0x1',
    '1;2',
    '1:2',
    '0-2--1',
    '3--1',
    '0- -1',
    '16384',
    '^16384',
    '0-16384',
    '16380-16390',
    '16384-16390',
    '99999999999999999999',
    '0-99999999999999999999',
    '0,16384',
    '١', // Arabic-Indic digit one
    '０', // full-width zero
  ])('%j', (text) => {
    const r = parseNodeset(text);
    expect(r).toEqual({
      ok: false,
      reason: 'syntax',
      error: { code: 'invalid-arg', text: `Failed to parse bitmap '${text}'` },
    });
  });

  it('renders as libvirt prints it', () => {
    const r = parseNodeset('3-1');
    if (r.ok) throw new Error('expected failure');
    expect(renderLibvirtError(r.error)).toBe("invalid argument: Failed to parse bitmap '3-1'");
  });

  it('a syntax error wins over the attribute name', () => {
    expect(parseNodeset('a', 'cpus')).toMatchObject({
      ok: false,
      reason: 'syntax',
      error: { text: "Failed to parse bitmap 'a'" },
    });
  });
});

describe('parseNodeset: valid but empty', () => {
  it.each(['0,^0', '^0', '^5', '1-2,^1,^2', '0 , ^0', '^0,'])('%j', (text) => {
    expect(parseNodeset(text)).toEqual({
      ok: false,
      reason: 'empty',
      error: { code: 'config-unsupported', text: `Invalid value of 'nodeset': ${text}` },
    });
  });

  it('names the attribute it was given', () => {
    expect(parseNodeset('0,^0', 'nodemask')).toMatchObject({
      reason: 'empty',
      error: { text: "Invalid value of 'nodemask': 0,^0" },
    });
    expect(parseNodeset('^3', 'cpus')).toMatchObject({
      reason: 'empty',
      error: { text: "Invalid value of 'cpus': ^3" },
    });
  });

  it('renders as libvirt prints it', () => {
    const r = parseNodeset('0,^0');
    if (r.ok) throw new Error('expected failure');
    expect(renderLibvirtError(r.error)).toBe("unsupported configuration: Invalid value of 'nodeset': 0,^0");
  });
});

describe('hasSpaces', () => {
  it.each([
    ['0,1', false],
    ['0-3,^2', false],
    ['0, 1', true],
    [' 0', true],
    ['0 ', true],
    ['0,\t1', true],
    ['0\n', true],
    ['', false],
  ])('%j → %s', (text, expected) => {
    expect(hasSpaces(text)).toBe(expected);
  });
});

describe('formatNodeset', () => {
  it.each<[number[], string]>([
    [[], ''],
    [[0], '0'],
    [[5], '5'],
    [[0, 1], '0-1'],
    [[0, 1, 3], '0-1,3'],
    [[0, 1, 2, 3, 5], '0-3,5'],
    [[0, 2, 4], '0,2,4'],
    [[1, 2, 4], '1-2,4'],
    [[3, 1, 2, 2], '1-3'],
    [[5, 0, 1, 7, 6], '0-1,5-7'],
    [[16383], '16383'],
    [range(0, 16383), '0-16383'],
  ])('%j → %j', (ids, text) => {
    expect(formatNodeset(ids)).toBe(text);
  });

  it('does not modify its input', () => {
    const ids = [3, 1, 2];
    formatNodeset(ids);
    expect(ids).toEqual([3, 1, 2]);
  });

  it.each([[[-1]], [[1.5]], [[Number.NaN]], [[Infinity]]])('rejects %j', (ids) => {
    expect(() => formatNodeset(ids)).toThrow(RangeError);
  });

  it('round-trips with parseNodeset', () => {
    // deterministic pseudo-random sets
    let seed = 12345;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let n = 0; n < 200; n++) {
      const ids = new Set<number>();
      const count = 1 + Math.floor(rand() * 20);
      for (let k = 0; k < count; k++) ids.add(Math.floor(rand() * (rand() < 0.5 ? 16 : NODESET_BITS)));
      const sorted = [...ids].sort((a, b) => a - b);
      const text = formatNodeset(sorted);
      const r = parseNodeset(text);
      expect(r).toEqual({ ok: true, ids: sorted, hasSpaces: false, schemaValid: true });
    }
  });
});
