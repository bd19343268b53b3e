import type { MemtuneLimitName, SizeValue } from '../src/domain/model.js';
import { KIB_UNLIMITED } from '../src/domain/units.js';
import type { Rule, RuleContext } from '../src/engine/types.js';
import type { Fixer, TextEdit } from '../src/xml/edit.js';
import type { XElement, XText } from '../src/xml/tree.js';
import { anyDriver } from '../src/engine/drivers.js';

/** The comment that follows `el` on the same line (`<x>…</x> <!-- note -->`), which goes with it. */
function trailingComment(el: XElement): XText | null {
  const sib = el.parent?.children ?? [];
  const i = sib.indexOf(el);
  const next = sib[i + 1];
  const after = sib[i + 2];
  if (next?.kind === 'comment') return next;
  if (next?.kind === 'text' && /^[ \t]+$/.test(next.value) && after?.kind === 'comment') return after;
  return null;
}

/**
 * Remove a memtune child with a comment trailing it on its line; when it is all the only
 * `<memtune>` holds, the `<memtune>` goes too (libvirt drops an empty one). Null when removing it
 * would let a later copy of the element take its place.
 */
export function removeLimit(ctx: RuleContext, fixer: Fixer, name: MemtuneLimitName, el: XElement): TextEdit | null {
  const mt = ctx.domain.memtune;
  if (!mt || (mt.children[name]?.length ?? 0) !== 1) return null;
  const note = trailingComment(el);
  const parent = el.parent;
  if (
    parent &&
    mt.all.length === 1 &&
    parent.children.every((c) => c === el || c === note || ((c.kind === 'text') && c.value.trim() === ''))
  ) {
    return fixer.removeElement(parent);
  }
  return { range: fixer.lineSpan({ start: el.range.start, end: (note ?? el).range.end }), text: '' };
}

function means(name: MemtuneLimitName, v: SizeValue): string | null {
  const r = v.result;
  if (!r.ok) return r.reason === 'absent' ? 'is empty, which libvirt reads as not set' : null;
  if (name === 'min_guarantee') return r.kib === 0 ? 'is 0, which means no guarantee' : null;
  return r.kib === KIB_UNLIMITED ? `is ${KIB_UNLIMITED} KiB, libvirt's value for "no limit"` : null;
}

export const rule: Rule = {
  meta: {
    id: 'memtune-sentinel',
    description: "memtune values that mean \"not set\" (9007199254740991 KiB, an empty element, min_guarantee 0): libvirt drops them from dumpxml",
    severity: 'warn',
    stage: 'style',
    fixable: true,
    drivers: anyDriver('virDomainMemtuneFormat (src/conf/domain_conf.c), which leaves unset limits out'),
    docs: 'rules/memtune-sentinel.md',
  },
  check(ctx) {
    const mt = ctx.domain.memtune;
    if (!mt) return;
    for (const [name, v] of Object.entries(mt.limits) as [MemtuneLimitName, SizeValue][]) {
      const what = means(name, v);
      if (!what) continue;
      ctx.report({
        node: v.el,
        message: `<${name}> ${what}: it is the same as leaving the element out, and virsh dumpxml drops it${name === 'min_guarantee' ? '' : ' (the guest runs without this limit)'}; remove it`,
        fix: (fixer) => removeLimit(ctx, fixer, name, v.el),
      });
    }
  },
};
