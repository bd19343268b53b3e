import { sizeSites, type SizeSite } from '../src/domain/memory.js';
import { renderLibvirtError } from '../src/domain/libvirt-error.js';
import { parseScaled, parseUnit } from '../src/domain/units.js';
import type { FixFunction, Report, Rule } from '../src/engine/types.js';
import type { Fixer, TextEdit } from '../src/xml/edit.js';
import { firstChild } from '../src/xml/tree.js';
import { anyDriver } from '../src/engine/drivers.js';
import { libvirt } from '../src/libvirt/messages.js';
import { UNLIMITED_WORDS } from '../src/domain/units.js';

const XML_SPACE = /^[ \t\r\n]+|[ \t\r\n]+$/g;

/** The element holds nothing but text (no comments, CDATA or children), so its content can be replaced. */
function plainText(site: SizeSite): boolean {
  const el = site.value.el;
  return el.content !== null && el.children.every((c) => c.kind === 'text');
}

/** Replace the number as written (element text or attribute value). */
function setNumber(fixer: Fixer, site: SizeSite, text: string): TextEdit | null {
  const v = site.value;
  if (v.valueAttr) return fixer.setAttrValue(v.valueAttr, text);
  if (!plainText(site)) return null;
  return fixer.replaceText(v.el, text);
}

function binaryOf(unit: string): string | null {
  const m = /^([kmgtpe])/i.exec(unit);
  return m ? `${(m[1] as string).toUpperCase()}iB` : null;
}

/** `1.5` with unit GiB → the same amount as a whole number of a smaller binary unit, if there is one. */
function wholeAlternative(text: string, unit: string | null): string | null {
  const m = /^\s*(\d*)\.(\d+)\s*$/.exec(text);
  if (!m) return null;
  const info = parseUnit(unit ?? '');
  if (!info || info.decimal) return null;
  const digits = (m[1] ?? '') + (m[2] as string);
  const scale = 10n ** BigInt((m[2] as string).length);
  const bytesNum = BigInt(digits || '0') * info.multiplier; // bytes × scale
  if (bytesNum % scale !== 0n) return null;
  const bytes = bytesNum / scale;
  const units: Array<[string, bigint]> = [
    ['EiB', 1n << 60n],
    ['PiB', 1n << 50n],
    ['TiB', 1n << 40n],
    ['GiB', 1n << 30n],
    ['MiB', 1n << 20n],
    ['KiB', 1n << 10n],
    ['b', 1n],
  ];
  for (const [name, mult] of units) if (mult < info.multiplier && bytes % mult === 0n) return `${bytes / mult} ${name}`;
  return null;
}

export const rule: Rule = {
  meta: {
    id: 'size-value',
    description: 'Memory sizes libvirt cannot parse: not a plain number, unknown unit, too large, or missing where required',
    severity: 'error',
    stage: 'define',
    fixable: true,
    drivers: anyDriver('virDomainParseMemory and virParseScaledValue (src/conf/domain_conf.c, src/util/virxml.c)'),
    docs: 'rules/size-value.md',
  },
  check(ctx) {
    ctx.domain.memoryDevices.forEach((d, i) => {
      const target = firstChild(d.el, 'target');
      if (target && !d.size) {
        ctx.report({
          node: target,
          message: `memory device ${i} has no <size> in its <target> (libvirt: ${renderLibvirtError(libvirt.missingValue('./size'))})`,
        });
      }
    });
    // Indexed: every size of every file, and a for…of allocates per step until V8 optimises it.
    const sites = sizeSites(ctx.domain);
    for (let i = 0; i < sites.length; i++) {
      const site = sites[i] as SizeSite;
      const v = site.value;
      const r = v.result;
      if (r.ok) continue;
      const quoted = `(libvirt: ${renderLibvirtError(r.error)})`;
      const node = v.valueAttr ?? v.el;
      const report = (message: string, fix?: FixFunction, suggestions?: Report['suggestions'], at: Report['node'] = node): void =>
        ctx.report({ node: at, message: `${message} ${quoted}`, ...(fix ? { fix } : {}), ...(suggestions ? { suggestions } : {}) });

      if (r.reason === 'absent') {
        if (!site.required) continue;
        if (site.kind === 'cell') report(`${site.label.replace(/ memory$/, '')} has no memory: every cell needs memory='…' (its size; unit='…' defaults to KiB)`);
        else if (site.kind === 'page') report(`<page> has no size: every <page> needs size='…' (unit='…' defaults to KiB)`);
        else report(`${site.label} is empty: a memory device needs its size`);
        continue;
      }

      if (r.reason === 'invalid') {
        const text = v.text ?? '';
        // "unlimited" in a memtune limit has its own rule.
        if (site.kind === 'memtune' && UNLIMITED_WORDS.test(text)) continue;
        const trimmed = text.replace(XML_SPACE, '');
        if (trimmed !== text && trimmed !== '' && parseScaled(trimmed, v.unit, v.xpath).ok) {
          const what = /[\r\n]/.test(text.slice(text.trimEnd().length)) ? 'a line break' : 'whitespace';
          report(
            `${site.label} has ${what} after the number: libvirt accepts leading whitespace but not trailing (a classic after reformatting); remove it`,
            (fixer) => setNumber(fixer, site, trimmed),
          );
          continue;
        }
        if (trimmed === '') {
          report(`${site.label} holds only whitespace: write the size as a plain number`);
          continue;
        }
        const withUnit = /^(\d+)\s*([A-Za-z]+)$/.exec(trimmed);
        if (withUnit) {
          const [, num, suffix] = withUnit as unknown as [string, string, string];
          const known = parseUnit(suffix) !== null;
          const canFix = known && v.unitAttr === null;
          report(
            `${site.label} '${trimmed}' has its unit inside the number: the number must be plain digits and the unit goes into the unit attribute${
              !known ? '' : v.unitAttr ? ` (it already has unit='${v.unitAttr.value}': keep one of the two)` : `: ${v.valueAttr ? `${v.valueAttr.name}='${num}' unit='${suffix}'` : `<${v.el.name} unit='${suffix}'>${num}</${v.el.name}>`}`
            }`,
            canFix ? (fixer) => {
              const edit = setNumber(fixer, site, num);
              return edit ? [edit, fixer.setAttr(v.el, 'unit', suffix)] : null;
            } : undefined,
          );
          continue;
        }
        const whole = wholeAlternative(trimmed, v.unit);
        if (/^\s*\d*\.\d+\s*$/.test(trimmed)) {
          report(
            `${site.label} '${trimmed}' is not a whole number: sizes are integers${whole ? `; ${trimmed} ${v.unit || "KiB"} is ${whole}` : ' — use a smaller unit'}`,
            undefined,
            whole
              ? [{
                  desc: `Write ${whole}`,
                  fix: (fixer) => {
                    const [n, u] = whole.split(' ') as [string, string];
                    const edit = setNumber(fixer, site, n);
                    return edit ? [edit, fixer.setAttr(v.el, 'unit', u)] : null;
                  },
                }]
              : undefined,
          );
          continue;
        }
        if (/^\s*-/.test(trimmed)) {
          report(`${site.label} '${trimmed}' is negative: sizes are non-negative integers`);
          continue;
        }
        if (/^0[xX][0-9a-fA-F]+$/.test(trimmed)) {
          report(`${site.label} '${trimmed}' is hexadecimal: libvirt reads sizes in decimal only`);
          continue;
        }
        if (/^\d+$/.test(trimmed)) {
          report(`${site.label} '${trimmed}' is larger than 2^64 − 1`);
          continue;
        }
        report(`${site.label} '${trimmed}' is not a number: write a plain non-negative integer and put the unit into the unit attribute`);
        continue;
      }

      if (r.reason === 'unknown-unit') {
        const unit = v.unit ?? '';
        const binary = binaryOf(unit);
        const sure = /^[kmgtpe]i$/i.test(unit) ? binary : null;
        report(
          `${site.label} has unknown unit '${unit}': libvirt knows b/bytes, k/KiB, M/MiB, G/GiB, T/TiB, P/PiB, E/EiB (powers of 1024) and KB, MB, GB, TB, PB, EB (powers of 1000)${binary ? `; probably '${binary}'` : ''}`,
          sure && v.unitAttr ? (fixer) => fixer.setAttrValue(v.unitAttr!, sure) : undefined,
          !sure && binary && v.unitAttr ? [{ desc: `Use unit='${binary}'`, fix: (fixer) => fixer.setAttrValue(v.unitAttr!, binary) }] : undefined,
          // The unit is what is wrong: point at it.
          v.unitAttr ?? node,
        );
        continue;
      }

      // overflow
      report(
        site.kind === 'memtune' && site.value.xpath !== './memtune/min_guarantee[1]'
          ? `${site.label} is too large: a limit may be at most 9007199254740991 KiB (8 EiB − 1 KiB, which itself means "no limit"); to set no limit, leave the element out`
          : `${site.label} is too large: libvirt keeps sizes below 2^53 KiB (8 EiB)`,
      );
    }
  },
};
