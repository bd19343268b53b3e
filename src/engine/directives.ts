/**
 * Inline disable comments:
 *   <!-- kvmxml-disable-next-line RULE[, RULE…] -->   the line after the comment
 *   <!-- kvmxml-disable-line RULE -->                 the comment's own line
 *   <!-- kvmxml-disable RULE -->  …  <!-- kvmxml-enable RULE -->   a region (to the end when not re-enabled)
 * Without a rule name they apply to every rule.
 */
import type { XmlDocument } from '../xml/document.js';
import type { XElement, XNode } from '../xml/tree.js';

interface Region {
  rules: Set<string> | null;
  fromLine: number;
  toLine: number;
}

export class Directives {
  private lineRules = new Map<number, Set<string> | null>();
  private regions: Region[] = [];

  constructor(doc: XmlDocument) {
    const comments: { line: number; endLine: number; value: string }[] = [];
    const visit = (n: XNode): void => {
      if (n.kind === 'comment') {
        comments.push({ line: doc.positionAt(n.range.start).line, endLine: doc.positionAt(n.range.end).line, value: n.value.trim() });
      } else if (n.kind === 'element') for (const c of (n as XElement).children) visit(c);
    };
    for (const n of doc.prolog) visit(n);
    visit(doc.root);
    comments.sort((a, b) => a.line - b.line);
    const open = new Map<string, number>();
    for (const c of comments) {
      const m = /^kvmxml-(disable-next-line|disable-line|disable|enable)(?:\s+(.*))?$/s.exec(c.value);
      if (!m) continue;
      const rules = m[2] ? m[2].split(/[\s,]+/).filter(Boolean) : null;
      switch (m[1]) {
        case 'disable-next-line':
          this.addLine(c.endLine + 1, rules);
          break;
        case 'disable-line':
          this.addLine(c.line, rules);
          break;
        case 'disable':
          for (const r of rules ?? ['*']) if (!open.has(r)) open.set(r, c.line);
          break;
        case 'enable':
          for (const r of rules ?? [...open.keys()]) {
            const from = open.get(r);
            if (from === undefined) continue;
            this.regions.push({ rules: r === '*' ? null : new Set([r]), fromLine: from, toLine: c.line });
            open.delete(r);
          }
          break;
      }
    }
    for (const [r, from] of open) this.regions.push({ rules: r === '*' ? null : new Set([r]), fromLine: from, toLine: Infinity });
  }

  private addLine(line: number, rules: string[] | null): void {
    const cur = this.lineRules.get(line);
    if (cur === null) return;
    if (rules === null) this.lineRules.set(line, null);
    else this.lineRules.set(line, new Set([...(cur ?? []), ...rules]));
  }

  isDisabled(ruleId: string, line: number): boolean {
    if (this.lineRules.has(line)) {
      const set = this.lineRules.get(line);
      if (set === null || set?.has(ruleId)) return true;
    }
    return this.regions.some((r) => line >= r.fromLine && line <= r.toLine && (r.rules === null || r.rules.has(ruleId)));
  }
}
