/** XPath over a document's DOM, answered with source-tree elements (which carry positions). */
import * as xpath from 'xpath';
import { domIndexOf, type XmlDocument } from '../xml/document.js';
import type { XElement } from '../xml/tree.js';

/** The DOM is built the first time a rule asks (no built-in rule does), then kept per document. */
export function selectElements(doc: XmlDocument, expression: string): XElement[] {
  const { root, source } = domIndexOf(doc);
  if (!root) return [];
  const found = xpath.select(expression, root as unknown as Node);
  const nodes = Array.isArray(found) ? found : [];
  const out: XElement[] = [];
  for (const n of nodes) {
    const el = source.get(n);
    if (el) out.push(el);
  }
  return out;
}
