import { effectivePagesOf, memoryAllocationMode, memorySourceType, pagesDefineError } from '../src/domain/hugepages.js';
import { renderLibvirtError, type LibvirtError } from '../src/domain/libvirt-error.js';
import type { PageDef } from '../src/domain/model.js';
import type { Rule } from '../src/engine/types.js';
import type { Fixer, TextEdit } from '../src/xml/edit.js';
import { childElements, type Range, type XElement } from '../src/xml/tree.js';
import { anyDriver } from '../src/engine/drivers.js';
import { libvirt } from '../src/libvirt/messages.js';
import { schemaQuote } from '../src/domain/schema-table.js';

/**
 * What travels with a stray page: the page, plus a comment that follows it on the same line.
 * Returns the moved range and its text.
 */
function chunkOf(fixer: Fixer, el: XElement): Range {
  const t = fixer.doc.text;
  let end = el.range.end;
  const m = /^[ \t]*<!--[\s\S]*?-->/.exec(t.slice(end));
  if (m && !m[0].includes('\n')) end += m[0].length;
  return { start: el.range.start, end };
}

/** Remove a chunk; when other content shares its line, take the blanks before it too. */
function remove(fixer: Fixer, chunk: Range): TextEdit {
  const span = fixer.lineSpan(chunk);
  if (span.start !== chunk.start || span.end !== chunk.end) return { range: span, text: '' };
  let start = chunk.start;
  const t = fixer.doc.text;
  while (start > 0 && (t[start - 1] === ' ' || t[start - 1] === '\t')) start--;
  return { range: { start, end: chunk.end }, text: '' };
}

/** Move one stray page into `target`, or wrap it in a new `<hugepages>` when there is none. */
function move(fixer: Fixer, page: XElement, target: XElement | null): TextEdit[] {
  const doc = fixer.doc;
  if (!target) {
    const markup = doc.slice(page.range);
    if (!doc.startsLine(page.startTag.start)) return [{ range: page.range, text: `<hugepages>${markup}</hugepages>` }];
    const ind = doc.indentOf(page.startTag.start);
    return [{ range: page.range, text: `<hugepages>${doc.eol}${ind}${fixer.indentUnit()}${markup}${doc.eol}${ind}</hugepages>` }];
  }
  const chunk = chunkOf(fixer, page);
  const markup = doc.slice(chunk);
  const removal = remove(fixer, chunk);
  if (target.selfClosing && !doc.startsLine(target.startTag.start)) {
    const head = doc.slice(target.startTag).replace(/\s*\/>$/, '>');
    return [{ range: target.startTag, text: `${head}${markup}</${target.name}>` }, removal];
  }
  const insert = fixer.insertChild(target, markup);
  // After the last page, insert behind the comment that trails it on its line, not before it.
  const last = childElements(target).at(-1);
  if (last && insert.range.start === last.range.end && insert.range.end === insert.range.start) {
    const at = chunkOf(fixer, last).end;
    return [{ range: { start: at, end: at }, text: insert.text }, removal];
  }
  return [insert, removal];
}

export const rule: Rule = {
  meta: {
    id: 'hugepage-stray-page',
    description: '<page> written directly under <memoryBacking> instead of inside <hugepages>: libvirt ignores it',
    severity: 'error',
    stage: 'schema',
    fixable: true,
    needs: ['memoryBacking'],
    drivers: anyDriver('virDomainDefParseMemory (src/conf/domain_conf.c) reads <page> only inside <hugepages>'),
    docs: 'rules/hugepage-stray-page.md',
  },
  check(ctx) {
    const mb = ctx.domain.memoryBacking;
    if (!mb || mb.strayPageDefs.length === 0) return;
    const target = mb.hugepages;
    // Pages libvirt would read once every stray page is inside `target` (document order kept).
    const after: PageDef[] = [];
    if (target) {
      for (const hp of mb.allHugepages) {
        after.push(...mb.pages.filter((p) => p.hugepages === hp));
        if (hp === target) after.push(...mb.strayPageDefs);
      }
    } else {
      after.push(...mb.strayPageDefs);
    }
    const cells = ctx.domain.cells.length;
    const creates = !target;
    // Fix only when the result is a domain libvirt defines: the moved pages must themselves be valid,
    // and a new <hugepages> must not clash with an anonymous source or on-demand allocation.
    let refusal: LibvirtError | null = pagesDefineError(effectivePagesOf(after, cells), cells);
    if (!refusal && creates && memoryAllocationMode(ctx.domain) === 'ondemand') refusal = libvirt.hugepagesWithOndemand();
    if (!refusal && creates && memorySourceType(ctx.domain) === 'anonymous') refusal = libvirt.hugepagesWithAnonymous();
    const defineOk = refusal === null;
    const effect = target
      ? target.selfClosing || mb.pages.length === 0
        ? 'the guest gets <hugepages/> alone, i.e. the host\'s default huge page size for all its memory'
        : 'the guest gets only the pages inside <hugepages>'
      : 'the guest gets no huge pages at all';
    for (const def of mb.strayPageDefs) {
      const what = def.nodeset ? `this <page> (nodeset='${def.nodeset.attr.value}')` : 'this <page>';
      const action = target ? 'move it inside <hugepages>' : 'wrap it in <hugepages>';
      const caveat = refusal ? ` (not moved automatically: once the pages count, libvirt refuses the domain with "${renderLibvirtError(refusal)}"; fix that first)` : '';
      ctx.report({
        node: def.el,
        message: `${what} sits directly under <memoryBacking>: libvirt only reads pages inside <hugepages>, so plain virsh define silently drops it and ${effect}, while virsh define --validate and virsh edit refuse the file; ${action}${caveat} ${schemaQuote('memoryBacking')}`,
        fix: defineOk ? (fixer) => move(fixer, def.el, target) : undefined,
      });
    }
  },
};
