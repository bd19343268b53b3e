/**
 * Inline disable comments:
 *   <!-- kvmxml-disable-next-line RULE[, RULE…] -->   the line after the comment
 *   <!-- kvmxml-disable-line RULE -->                 the comment's own line
 *   <!-- kvmxml-disable RULE -->  …  <!-- kvmxml-enable RULE -->   a region (to the end when not re-enabled)
 * Without a rule name they apply to every rule. A directive that suppresses nothing is reported
 * (ESLint's reportUnusedDisableDirectives): it is stale, or names a rule that never fires there.
 */
import type { XmlDocument } from '../xml/document.js';
import type { XElement, XNode } from '../xml/tree.js';

interface Region {
  rules: Set<string> | null;
  fromLine: number;
  toLine: number;
  directive: Directive;
}

/** One comment, with each rule it names (or '*' for all) and whether it suppressed anything. */
export interface Directive {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  kind: string;
  used: Map<string, boolean>;
}

interface LineEntry {
  rules: Set<string> | null;
  directive: Directive;
}

export class Directives {
  private lineRules = new Map<number, LineEntry[]>();
  private regions: Region[] = [];
  readonly directives: Directive[] = [];

  /** The directives of a document: every directive spells 'kvmxml-', so a document without it shares one empty set (no walk over its tree). */
  static of(doc: XmlDocument): Directives {
    return doc.text.includes('kvmxml-') ? new Directives(doc) : Directives.NONE;
  }

  /** What a document without directives has: nothing in it ever changes (only directives are marked used). */
  private static readonly NONE = new Directives(null);

  private constructor(doc: XmlDocument | null) {
    if (doc === null) return;
    const comments: { line: number; column: number; endLine: number; endColumn: number; value: string }[] = [];
    const visit = (n: XNode): void => {
      if (n.kind === 'comment') {
        const start = doc.positionAt(n.range.start);
        const end = doc.positionAt(n.range.end);
        comments.push({ line: start.line, column: start.column, endLine: end.line, endColumn: end.column, value: n.value.trim() });
      } else if (n.kind === 'element') for (const c of (n as XElement).children) visit(c);
    };
    for (const n of doc.prolog) visit(n);
    visit(doc.root);
    comments.sort((a, b) => a.line - b.line);
    const open = new Map<string, { line: number; directive: Directive }>();
    for (const c of comments) {
      const m = /^kvmxml-(disable-next-line|disable-line|disable|enable)(?:\s+(.*))?$/s.exec(c.value);
      if (!m) continue;
      const rules = m[2] ? m[2].split(/[\s,]+/).filter(Boolean) : null;
      const directive: Directive = { line: c.line, column: c.column, endLine: c.endLine, endColumn: c.endColumn, kind: `kvmxml-${m[1]}`, used: new Map((rules ?? ['*']).map((r) => [r, false])) };
      switch (m[1]) {
        case 'disable-next-line':
          this.directives.push(directive);
          this.addLine(c.endLine + 1, rules, directive);
          break;
        case 'disable-line':
          this.directives.push(directive);
          this.addLine(c.line, rules, directive);
          break;
        case 'disable':
          this.directives.push(directive);
          for (const r of rules ?? ['*']) if (!open.has(r)) open.set(r, { line: c.line, directive });
          break;
        case 'enable':
          for (const r of rules ?? [...open.keys()]) {
            const from = open.get(r);
            if (from === undefined) continue;
            this.regions.push({ rules: r === '*' ? null : new Set([r]), fromLine: from.line, toLine: c.line, directive: from.directive });
            open.delete(r);
          }
          break;
      }
    }
    for (const [r, from] of open) this.regions.push({ rules: r === '*' ? null : new Set([r]), fromLine: from.line, toLine: Infinity, directive: from.directive });
  }

  private addLine(line: number, rules: string[] | null, directive: Directive): void {
    const list = this.lineRules.get(line) ?? [];
    list.push({ rules: rules === null ? null : new Set(rules), directive });
    this.lineRules.set(line, list);
  }

  /** Is a finding of `ruleId` on `line` suppressed? Marks the directives that suppress it as used. */
  isDisabled(ruleId: string, line: number): boolean {
    let disabled = false;
    for (const e of this.lineRules.get(line) ?? []) {
      if (e.rules === null || e.rules.has(ruleId)) {
        e.directive.used.set(e.rules === null ? '*' : ruleId, true);
        disabled = true;
      }
    }
    for (const r of this.regions) {
      if (line >= r.fromLine && line <= r.toLine && (r.rules === null || r.rules.has(ruleId))) {
        r.directive.used.set(r.rules === null ? '*' : ruleId, true);
        disabled = true;
      }
    }
    return disabled;
  }

  /**
   * Directives (and rule names in them) that suppressed nothing. `judged` says whether a rule
   * ran on this document: one that could not run (a host rule without --host) is not held
   * against a directive.
   */
  unused(judged: (ruleId: string) => boolean): { directive: Directive; rules: string[] | null }[] {
    const out: { directive: Directive; rules: string[] | null }[] = [];
    for (const d of this.directives) {
      if (d.used.has('*')) {
        if (!d.used.get('*')) out.push({ directive: d, rules: null });
        continue;
      }
      const stale = [...d.used].filter(([id, used]) => !used && judged(id)).map(([id]) => id);
      if (stale.length) out.push({ directive: d, rules: stale });
    }
    return out;
  }
}
