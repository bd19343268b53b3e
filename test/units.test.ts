import { describe, expect, it } from 'vitest';
import { renderLibvirtError } from '../src/domain/libvirt-error.js';
import { KIB_UNLIMITED, formatKiB, parseScaled, parseUnit } from '../src/domain/units.js';

const Ki = 1024n;
const Mi = Ki * Ki;
const Gi = Mi * Ki;
const Ti = Gi * Ki;
const Pi = Ti * Ki;
const Ei = Pi * Ki;

describe('parseUnit: every row of spec §9', () => {
  const rows: Array<[string, bigint, boolean]> = [
    ['b', 1n, false],
    ['byte', 1n, false],
    ['bytes', 1n, false],
    ['k', Ki, false],
    ['KiB', Ki, false],
    ['KB', 1000n, true],
    ['M', Mi, false],
    ['MiB', Mi, false],
    ['MB', 10n ** 6n, true],
    ['G', Gi, false],
    ['GiB', Gi, false],
    ['GB', 10n ** 9n, true],
    ['T', Ti, false],
    ['TiB', Ti, false],
    ['TB', 10n ** 12n, true],
    ['P', Pi, false],
    ['PiB', Pi, false],
    ['PB', 10n ** 15n, true],
    ['E', Ei, false],
    ['EiB', Ei, false],
    ['EB', 10n ** 18n, true],
  ];
  it.each(rows)('%s → %s bytes (decimal %s)', (unit, multiplier, decimal) => {
    expect(parseUnit(unit)).toEqual({ multiplier, decimal });
  });

  const caseVariants: Array<[string, bigint, boolean]> = [
    ['B', 1n, false],
    ['Byte', 1n, false],
    ['BYTES', 1n, false],
    ['bYtEs', 1n, false],
    ['K', Ki, false],
    ['kib', Ki, false],
    ['KIB', Ki, false],
    ['kIb', Ki, false],
    ['kb', 1000n, true],
    ['Kb', 1000n, true],
    ['kB', 1000n, true],
    ['m', Mi, false],
    ['mib', Mi, false],
    ['Mb', 10n ** 6n, true],
    ['mb', 10n ** 6n, true],
    ['mB', 10n ** 6n, true],
    ['g', Gi, false],
    ['gIb', Gi, false],
    ['gib', Gi, false],
    ['gb', 10n ** 9n, true],
    ['t', Ti, false],
    ['tib', Ti, false],
    ['tb', 10n ** 12n, true],
    ['p', Pi, false],
    ['pib', Pi, false],
    ['pb', 10n ** 15n, true],
    ['e', Ei, false],
    ['eib', Ei, false],
    ['eb', 10n ** 18n, true],
  ];
  it.each(caseVariants)('case-insensitive: %s', (unit, multiplier, decimal) => {
    expect(parseUnit(unit)).toEqual({ multiplier, decimal });
  });

  it('the empty string is the default unit (KiB)', () => {
    expect(parseUnit('')).toEqual({ multiplier: Ki, decimal: false });
  });

  it.each([
    'X',
    'Mi',
    'Ki',
    'i',
    'iB',
    'bb',
    'bib',
    'bit',
    'kbit',
    'KiBs',
    'KiBB',
    'Kbytes',
    'kilobytes',
    'Z',
    'ZiB',
    'ZB',
    'Y',
    ' KiB',
    'KiB ',
    'Ki B',
    'K B',
    'octets',
    '\u212A', // KELVIN SIGN: lower-cases to 'k' in Unicode, not in ASCII
    '\u212AiB',
    'KİB',
  ])('unknown: %j', (unit) => {
    expect(parseUnit(unit)).toBeNull();
  });
});

describe('parseScaled: conversions (spec §0.3, §9, R1.5, R3.2, R3.7)', () => {
  const cases: Array<{
    value: string;
    unit: string | null;
    kib: number;
    bytes: bigint;
    exact: boolean;
    decimal: boolean;
  }> = [
    // default unit KiB
    { value: '64', unit: null, kib: 64, bytes: 64n * Ki, exact: true, decimal: false },
    { value: '0', unit: null, kib: 0, bytes: 0n, exact: true, decimal: false },
    { value: '2048', unit: null, kib: 2048, bytes: 2048n * Ki, exact: true, decimal: false },
    { value: '2', unit: null, kib: 2, bytes: 2n * Ki, exact: true, decimal: false },
    // the spec's examples
    { value: '2', unit: 'MB', kib: 1954, bytes: 2_000_000n, exact: false, decimal: true },
    { value: '2048', unit: 'KB', kib: 2000, bytes: 2_048_000n, exact: true, decimal: true },
    { value: '1', unit: 'GB', kib: 976563, bytes: 10n ** 9n, exact: false, decimal: true },
    { value: '256', unit: 'MB', kib: 250000, bytes: 256_000_000n, exact: true, decimal: true },
    { value: '1000', unit: 'b', kib: 1, bytes: 1000n, exact: false, decimal: false },
    { value: '1', unit: 'b', kib: 1, bytes: 1n, exact: false, decimal: false },
    { value: '1048576', unit: 'KB', kib: 1024000, bytes: 1_048_576_000n, exact: true, decimal: true },
    { value: '7', unit: 'EiB', kib: 7881299347898368, bytes: 7n * Ei, exact: true, decimal: false },
    { value: '1', unit: 'G', kib: 1048576, bytes: Gi, exact: true, decimal: false },
    { value: '2', unit: 'M', kib: 2048, bytes: 2n * Mi, exact: true, decimal: false },
    { value: '2', unit: 'MiB', kib: 2048, bytes: 2n * Mi, exact: true, decimal: false },
    { value: '2', unit: 'Mb', kib: 1954, bytes: 2_000_000n, exact: false, decimal: true },
    { value: '2', unit: 'mb', kib: 1954, bytes: 2_000_000n, exact: false, decimal: true },
    { value: '1', unit: 'GiB', kib: 1048576, bytes: Gi, exact: true, decimal: false },
    { value: '1', unit: 'gIb', kib: 1048576, bytes: Gi, exact: true, decimal: false },
    { value: '3', unit: 'MiB', kib: 3072, bytes: 3n * Mi, exact: true, decimal: false },
    { value: '2048', unit: 'k', kib: 2048, bytes: 2048n * Ki, exact: true, decimal: false },
    { value: '2048', unit: 'K', kib: 2048, bytes: 2048n * Ki, exact: true, decimal: false },
    { value: '2048', unit: 'KiB', kib: 2048, bytes: 2048n * Ki, exact: true, decimal: false },
    { value: '2048', unit: 'kb', kib: 2000, bytes: 2_048_000n, exact: true, decimal: true },
    { value: '1024', unit: 'bytes', kib: 1, bytes: 1024n, exact: true, decimal: false },
    { value: '1025', unit: 'byte', kib: 2, bytes: 1025n, exact: false, decimal: false },
    { value: '0', unit: 'GB', kib: 0, bytes: 0n, exact: true, decimal: true },
    { value: '1', unit: 'T', kib: 2 ** 30, bytes: Ti, exact: true, decimal: false },
    { value: '1', unit: 'TB', kib: 976562500, bytes: 10n ** 12n, exact: true, decimal: true },
    { value: '1', unit: 'PiB', kib: 2 ** 40, bytes: Pi, exact: true, decimal: false },
    { value: '1', unit: 'PB', kib: 976562500000, bytes: 10n ** 15n, exact: true, decimal: true },
    { value: '1', unit: 'E', kib: 2 ** 50, bytes: Ei, exact: true, decimal: false },
    { value: '9', unit: 'EB', kib: 8789062500000000, bytes: 9n * 10n ** 18n, exact: true, decimal: true },
    { value: '8191', unit: 'PiB', kib: 8191 * 2 ** 40, bytes: 8191n * Pi, exact: true, decimal: false },
    // the largest accepted sizes
    { value: '9007199254740991', unit: null, kib: KIB_UNLIMITED, bytes: BigInt(KIB_UNLIMITED) * Ki, exact: true, decimal: false },
    { value: '9007199254740991', unit: 'KiB', kib: KIB_UNLIMITED, bytes: BigInt(KIB_UNLIMITED) * Ki, exact: true, decimal: false },
    { value: '9223372036854774784', unit: 'b', kib: KIB_UNLIMITED, bytes: 9223372036854774784n, exact: true, decimal: false },
    // leading zeros
    { value: '0064', unit: null, kib: 64, bytes: 64n * Ki, exact: true, decimal: false },
  ];
  it.each(cases)('$value $unit → $kib KiB', ({ value, unit, kib, bytes, exact, decimal }) => {
    const r = parseScaled(value, unit, './memory[1]');
    expect(r).toMatchObject({ ok: true, kib, bytes, exact, decimalUnit: decimal });
  });

  it('undefined unit is the default unit as well', () => {
    expect(parseScaled('4', undefined, './memory[1]')).toMatchObject({ ok: true, kib: 4 });
  });

  it("unit='' counts as absent: default KiB, but not schema-valid", () => {
    const r = parseScaled('4', '', './memory[1]');
    expect(r).toMatchObject({ ok: true, kib: 4, bytes: 4n * Ki, schemaValid: false });
  });

  it('kib is a plain number, value the parsed number', () => {
    const r = parseScaled('7', 'EiB', './memtune/hard_limit[1]');
    if (!r.ok) throw new Error('expected ok');
    expect(typeof r.kib).toBe('number');
    expect(Number.isSafeInteger(r.kib)).toBe(true);
    expect(r.value).toBe(7n);
  });
});

describe('parseScaled: what the parser tolerates', () => {
  it.each([
    [' 64', 64],
    ['  64', 64],
    ['\t64', 64],
    ['\n  64', 64],
    ['\r\n64', 64],
    ['+64', 64],
    [' +64', 64],
    ['+0', 0],
  ])('%j → %d KiB (accepted by libvirt, rejected by the RNG)', (value, kib) => {
    const r = parseScaled(value, null, './memory[1]');
    expect(r).toMatchObject({ ok: true, kib, schemaValid: false });
  });

  it('plain digits with a valid unit are schema-valid', () => {
    expect(parseScaled('64', null, './memory[1]')).toMatchObject({ ok: true, schemaValid: true });
    expect(parseScaled('64', 'gIb', './memory[1]')).toMatchObject({ ok: true, schemaValid: true });
    expect(parseScaled('64', 'bytes', './memory[1]')).toMatchObject({ ok: true, schemaValid: true });
    expect(parseScaled('00', null, './memory[1]')).toMatchObject({ ok: true, kib: 0, schemaValid: true });
  });
});

describe('parseScaled: absent', () => {
  it.each([
    ['', './memory[1]'],
    [null, './@size'],
    [undefined, './@memory'],
  ])('%j → missing element or attribute', (value, xpath) => {
    const r = parseScaled(value, 'MiB', xpath);
    expect(r).toEqual({
      ok: false,
      reason: 'absent',
      error: { code: 'xml-error', text: `missing element or attribute '${xpath}'` },
    });
    if (!r.ok) {
      expect(renderLibvirtError(r.error)).toBe(`XML error: missing element or attribute '${xpath}'`);
    }
  });

  it('absence wins over an unknown unit', () => {
    expect(parseScaled('', 'X', './memory[1]')).toMatchObject({ ok: false, reason: 'absent' });
  });
});

describe('parseScaled: invalid numbers', () => {
  const invalid: Array<[string, string]> = [
    ['64 ', './memory[1]'],
    ['64\n', './memory[1]'],
    [' 64 ', './memory[1]'],
    ['64\t', './currentMemory[1]'],
    ['1.5', './@size'],
    ['1.0', './memory[1]'],
    ['-1', './memtune/soft_limit[1]'],
    ['-2', './memory[1]'],
    ['-0', './memory[1]'],
    [' -1', './memory[1]'],
    ['unlimited', './memtune/hard_limit[1]'],
    ['1G', './@size'],
    ['1 G', './@size'],
    ['2MiB', './memory[1]'],
    ['0x10', './memory[1]'],
    ['1e3', './memory[1]'],
    ['1,000', './memory[1]'],
    ['1_000', './memory[1]'],
    [' ', './memory[1]'],
    ['\n', './memory[1]'],
    ['+', './memory[1]'],
    ['-', './memory[1]'],
    ['++1', './memory[1]'],
    ['+-1', './memory[1]'],
    ['-+1', './memory[1]'],
    ['+ 1', './memory[1]'],
    ['abc', './@memory'],
    ['\u0666\u0664', './memory[1]'], // Arabic-Indic digits
    ['６４', './memory[1]'], // full-width digits
    ['18446744073709551616', './memory[1]'], // > ULLONG_MAX: ERANGE
    ['99999999999999999999999', './memory[1]'],
    ['NaN', './memory[1]'],
    ['Infinity', './memory[1]'],
  ];
  it.each(invalid)('%j at %s', (value, xpath) => {
    const r = parseScaled(value, null, xpath);
    expect(r).toEqual({
      ok: false,
      reason: 'invalid',
      error: {
        code: 'xml-error',
        text: `Invalid value '${value}' for element or attribute '${xpath}'`,
      },
    });
  });

  it('renders as libvirt prints it', () => {
    const r = parseScaled('unlimited', null, './memtune/hard_limit[1]');
    if (r.ok) throw new Error('expected failure');
    expect(renderLibvirtError(r.error)).toBe(
      "XML error: Invalid value 'unlimited' for element or attribute './memtune/hard_limit[1]'",
    );
  });

  it('the number is checked before the unit', () => {
    expect(parseScaled('1.5', 'X', './@size')).toMatchObject({ ok: false, reason: 'invalid' });
  });
});

describe('parseScaled: unknown units', () => {
  it.each(['X', 'Mi', 'Ki', 'KiBs', 'bb', 'bib', 'kbit', ' KiB', 'KiB ', 'ZiB', '\u212A'])(
    'unit=%j',
    (unit) => {
      const r = parseScaled('2', unit, './@size');
      expect(r).toEqual({
        ok: false,
        reason: 'unknown-unit',
        error: { code: 'invalid-arg', text: `unknown suffix '${unit}'` },
      });
    },
  );

  it('renders as libvirt prints it', () => {
    const r = parseScaled('2', 'Mi', './@size');
    if (r.ok) throw new Error('expected failure');
    expect(renderLibvirtError(r.error)).toBe("invalid argument: unknown suffix 'Mi'");
  });
});

describe('parseScaled: overflow', () => {
  const valueTooLarge: Array<[string, string | null, string]> = [
    ['8', 'EiB', 'value too large: 8EiB'],
    ['8', 'E', 'value too large: 8E'],
    ['8', 'eib', 'value too large: 8eib'],
    ['8192', 'PiB', 'value too large: 8192PiB'],
    ['8388608', 'TiB', 'value too large: 8388608TiB'],
    ['10', 'EB', 'value too large: 10EB'],
    ['9007199254740992', 'KiB', 'value too large: 9007199254740992KiB'],
    ['9007199254740992', null, 'value too large: 9007199254740992'],
    ['9007199254740992', 'k', 'value too large: 9007199254740992k'],
    ['9223372036854776', 'KB', 'value too large: 9223372036854776KB'],
    ['9223372036854775808', 'b', 'value too large: 9223372036854775808b'],
    ['18446744073709551615', null, 'value too large: 18446744073709551615'],
    ['18446744073709551615', 'bytes', 'value too large: 18446744073709551615bytes'],
    // %llu is the parsed number, %s the unit as written
    [' 8', 'EiB', 'value too large: 8EiB'],
    ['+0008', 'EiB', 'value too large: 8EiB'],
  ];
  it.each(valueTooLarge)('%j %s → %s', (value, unit, text) => {
    const r = parseScaled(value, unit, './memory[1]');
    expect(r).toEqual({ ok: false, reason: 'overflow', error: { code: 'overflow', text } });
    if (!r.ok) expect(renderLibvirtError(r.error)).toBe(`numerical overflow: ${text}`);
  });

  // Byte counts in (2^63 − 1024, 2^63 − 1] pass virScaleInteger but round up to 2^53 KiB.
  const sizeTooLarge: Array<[string, string]> = [
    ['9223372036854775807', 'b'],
    ['9223372036854774785', 'bytes'],
    ['9223372036854775', 'KB'],
  ];
  it.each(sizeTooLarge)('%s %s → size value too large', (value, unit) => {
    const r = parseScaled(value, unit, './memory[1]');
    expect(r).toEqual({
      ok: false,
      reason: 'overflow',
      error: { code: 'overflow', text: 'size value too large' },
    });
    if (!r.ok) expect(renderLibvirtError(r.error)).toBe('numerical overflow: size value too large');
  });

  it('the unit is checked before the overflow', () => {
    expect(parseScaled('99', 'ZiB', './memory[1]')).toMatchObject({ ok: false, reason: 'unknown-unit' });
  });
});

describe('parseScaled: *_limit elements (virDomainParseMemoryLimit)', () => {
  const xpath = './memtune/hard_limit[1]';
  it.each([
    ['7', 'EiB', 7881299347898368],
    ['9007199254740991', null, KIB_UNLIMITED],
    ['9007199254740991', 'KiB', KIB_UNLIMITED],
    ['9223372036854774784', 'b', KIB_UNLIMITED],
    ['9223372036854774000', 'b', KIB_UNLIMITED],
    ['0', 'KiB', 0],
    ['1048576', 'KB', 1024000],
  ])('%s %s → %d KiB', (value, unit, kib) => {
    expect(parseScaled(value, unit, xpath, { limit: true })).toMatchObject({ ok: true, kib });
  });

  it.each([
    ['8', 'EiB', 'value too large: 8EiB'],
    ['9007199254740992', null, 'value too large: 9007199254740992'],
    ['9007199254740992', 'KiB', 'value too large: 9007199254740992KiB'],
    // where the two parsers differ: these are "size value too large" for <memory>
    ['9223372036854775807', 'b', 'value too large: 9223372036854775807b'],
    ['9223372036854774785', 'bytes', 'value too large: 9223372036854774785bytes'],
    ['9223372036854775', 'KB', 'value too large: 9223372036854775KB'],
  ])('%s %s → %s', (value, unit, text) => {
    expect(parseScaled(value, unit, xpath, { limit: true })).toEqual({
      ok: false,
      reason: 'overflow',
      error: { code: 'overflow', text },
    });
  });

  it('same invalid-value errors, with the element named', () => {
    expect(parseScaled('-1', null, './memtune/soft_limit[1]', { limit: true })).toEqual({
      ok: false,
      reason: 'invalid',
      error: {
        code: 'xml-error',
        text: "Invalid value '-1' for element or attribute './memtune/soft_limit[1]'",
      },
    });
  });
});

describe('KIB_UNLIMITED', () => {
  it('is 2^53 − 1 = INT64_MAX >> 10', () => {
    expect(KIB_UNLIMITED).toBe(Number.MAX_SAFE_INTEGER);
    expect(BigInt(KIB_UNLIMITED)).toBe(((1n << 63n) - 1n) >> 10n);
  });
});

describe('formatKiB', () => {
  it.each([
    [0, '0 KiB'],
    [1, '1 KiB'],
    [1023, '1023 KiB'],
    [1024, '1 MiB'],
    [1954, '1954 KiB'],
    [2000, '2000 KiB'],
    [2048, '2 MiB'],
    [3072, '3 MiB'],
    [250000, '250000 KiB'],
    [976563, '976563 KiB'],
    [1024000, '1000 MiB'],
    [1048576, '1 GiB'],
    [1572864, '1536 MiB'],
    [2097152, '2 GiB'],
    [2 ** 30, '1 TiB'],
    [2 ** 40, '1 PiB'],
    [2 ** 50, '1 EiB'],
    [7881299347898368, '7 EiB'],
    [2 ** 52, '4 EiB'],
    [KIB_UNLIMITED, '9007199254740991 KiB'],
  ])('%d → %s', (kib, text) => {
    expect(formatKiB(kib)).toBe(text);
  });

  it.each([-1, 1.5, Number.NaN, Infinity, 2 ** 53])('rejects %d', (kib) => {
    expect(() => formatKiB(kib)).toThrow(RangeError);
  });

  it('round-trips through parseScaled', () => {
    for (const kib of [1, 2048, 1572864, 1048576, 7881299347898368, 123456789]) {
      const [n, unit] = formatKiB(kib).split(' ');
      expect(parseScaled(n, unit, './memory[1]')).toMatchObject({ ok: true, kib, exact: true });
    }
  });
});
