import { renderLibvirtError } from '../src/domain/libvirt-error.js';
import type { FixFunction, Rule } from '../src/engine/types.js';
import { attr, type XAttr, type XElement } from '../src/xml/tree.js';
import { anyDriver } from '../src/engine/drivers.js';
import { MEMORY_ACCESS_MODES, MEMORY_ALLOCATION_MODES, MEMORY_SOURCE_TYPES, parseXPathUInt, YES_NO as YES_NO_VALUES } from '../src/domain/values.js';
import { libvirt } from '../src/libvirt/messages.js';
import { schemaQuote } from '../src/domain/schema-table.js';


/** Spellings of yes/no that other libvirt attributes or habits use. */
const YES_NO: Record<string, string> = { on: 'yes', true: 'yes', '1': 'yes', off: 'no', false: 'no', '0': 'no' };

/** The accepted value a wrongly written one can only mean (case or spacing slip, on/off for yes/no), or null. */
function closest(value: string, allowed: readonly string[]): string | null {
  const v = value.trim().toLowerCase();
  const direct = allowed.find((a) => a === v);
  if (direct) return direct;
  const yn = YES_NO[v];
  return yn && allowed.includes(yn) ? yn : null;
}

/** libvirt's internal "unset" words, which its parsers reject: writing them means "leave it at the default". */
const UNSET = ['none', 'default'];

/** Words people write in `<source type>` when they mean huge pages. */
const HUGE_WORDS = ['hugetlbfs', 'hugepages', 'hugepage', 'hugetlb', 'huge'];

function suggestion(value: string, allowed: readonly string[]): string {
  const near = closest(value, allowed);
  return near ? `write '${near}'` : `use ${allowed.map((a) => `'${a}'`).join(', ').replace(/, ([^,]*)$/, ' or $1')}`;
}

export const rule: Rule = {
  meta: {
    id: 'hugepage-backing-values',
    description: 'Unknown values in <memoryBacking> (source type, access mode, allocation mode/threads) and in cell memAccess/discard',
    severity: 'error',
    stage: 'define',
    fixable: true,
    needs: ['memoryBacking', 'numa'],
    drivers: anyDriver('virDomainDefParseMemory and virDomainNumaDefParseXML (src/conf/domain_conf.c, src/conf/numa_conf.c)'),
    docs: 'rules/hugepage-backing-values.md',
  },
  check(ctx) {
    const mb = ctx.domain.memoryBacking;
    // libvirt reads the first <source>/<access>/<allocation> of any <memoryBacking> (R1.2).
    const enumAttr = (el: XElement | null, name: string, path: string, allowed: readonly string[]): void => {
      const a = el ? attr(el, name) : undefined;
      if (!a) return;
      if (a.value === '') {
        ctx.report({
          node: a,
          stage: 'schema',
          message: `${name}='' is empty: plain virsh define ignores it as if it were absent, virsh define --validate and virsh edit refuse it; remove it or ${suggestion('', allowed)} ${schemaQuote('memoryBacking')}`,
        });
        return;
      }
      if (allowed.includes(a.value)) return;
      const near = closest(a.value, allowed);
      const unset = UNSET.includes(a.value);
      // `<source type='hugetlbfs'/>`: huge pages are asked for with <hugepages>, not with <source>.
      const hugeWord = path === 'source' && HUGE_WORDS.includes(a.value.trim().toLowerCase());
      const hasHugepages = Boolean(mb?.hugepages);
      const advice = unset
        ? `'${a.value}' is libvirt's internal "not set" value, which the parser refuses: remove <${el!.name}> to get the default`
        : hugeWord
          ? `huge pages are asked for with <hugepages>, not with <source>; ${hasHugepages ? 'remove this <source> (huge pages then live in a hugetlbfs file)' : "add <hugepages/> and remove this <source>, or use 'memfd'"}`
          : suggestion(a.value, allowed);
      // One plausible repair only: a case/spacing slip, a huge page word next to <hugepages>, or an "unset" word.
      const repair = (): FixFunction | undefined => {
        if (near) return (fixer) => fixer.setAttrValue(a, near);
        const alone = el!.attributes.length === 1;
        if (hugeWord && hasHugepages && alone) return (fixer) => fixer.removeElement(el!);
        if (!unset) return undefined;
        if (path === 'allocation') return (fixer) => fixer.removeAttr(a);
        return alone ? (fixer) => fixer.removeElement(el!) : undefined;
      };
      ctx.report({
        node: a,
        message: `${name}='${a.value}' is not a value libvirt knows here: ${advice} (libvirt: ${renderLibvirtError(libvirt.unknownMemoryBackingValue(path, name, a.value))})`,
        fix: repair(),
      });
    };
    if (mb) {
      enumAttr(mb.source, 'type', 'source', MEMORY_SOURCE_TYPES);
      enumAttr(mb.access, 'mode', 'access', MEMORY_ACCESS_MODES);
      enumAttr(mb.allocation, 'mode', 'allocation', MEMORY_ALLOCATION_MODES);
      const threads = mb.allocation ? attr(mb.allocation, 'threads') : undefined;
      // virXPathUInt: empty is absent; otherwise an unsigned int.
      if (threads && parseXPathUInt(threads.value) === null) {
        ctx.report({
          node: threads,
          message: `threads='${threads.value}' is not a thread count: write a whole number such as 4, or remove it (libvirt: ${renderLibvirtError(libvirt.allocationThreadsUnparsable())})`,
        });
      }
    }
    const cellAttr = (cell: XElement, a: XAttr | null, allowed: readonly string[]): void => {
      if (!a || allowed.includes(a.value)) return;
      const near = closest(a.value, allowed);
      const unset = a.value === 'default';
      const advice = unset ? `'default' is not accepted here: remove the attribute to inherit the domain-wide setting` : `${suggestion(a.value, allowed)}, or remove the attribute to inherit the domain-wide setting`;
      ctx.report({
        node: a,
        message: `${a.name}='${a.value}' is not allowed on a guest NUMA cell: ${advice} (libvirt: ${renderLibvirtError(libvirt.invalidEnum(a.name, cell.name, a.value))})`,
        fix: near ? (fixer) => fixer.setAttrValue(a, near) : unset ? (fixer) => fixer.removeAttr(a) : undefined,
      });
    };
    for (const c of ctx.domain.cells) {
      cellAttr(c.el, c.memAccess, MEMORY_ACCESS_MODES);
      cellAttr(c.el, c.discard, YES_NO_VALUES);
    }
  },
};
