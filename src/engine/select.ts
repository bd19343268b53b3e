/** XPath over a document's DOM, answered with source-tree elements (which carry positions). */
import * as xpath from 'xpath';
import { attachDomOnce, type XmlDocument } from '../xml/document.js';
import type { XElement } from '../xml/tree.js';

export function selectElements(doc: XmlDocument, expression: string): XElement[] {
  attachDomOnce(doc);
  const byDom = new Map<unknown, XElement>();
  const walk = (el: XElement): void => {
    if (el.dom) byDom.set(el.dom, el);
    for (const c of el.children) if (c.kind === 'element') walk(c);
  };
  walk(doc.root);
  const domRoot = doc.root.dom as Node | undefined;
  if (!domRoot) return [];
  const found = xpath.select(expression, domRoot);
  const nodes = Array.isArray(found) ? found : [];
  const out: XElement[] = [];
  for (const n of nodes) {
    const el = byDom.get(n);
    if (el) out.push(el);
  }
  return out;
}
