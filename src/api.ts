/**
 * kvmxml's public API for rule plugins (`import … from 'kvmxml'`): the rule types, the fixer
 * the engine hands to `fix` functions, the source-tree helpers the built-in rules read
 * documents with, the driver helpers for `meta.drivers`, and `lintText` to run rules on one
 * document in a plugin's own tests. The README's "Writing a plugin" walks through a rule.
 */
export type {
  DomainPart,
  EarlierFinding,
  FixFunction,
  LintMessage,
  LintResult,
  Report,
  Rule,
  RuleContext,
  RuleDrivers,
  RuleMeta,
  SeverityName,
  Stage,
} from './engine/types.js';
export { STAGES } from './engine/types.js';
export type { ActiveRule, FileLintResult, LintOptions } from './engine/lint.js';
export { lintText, lintBytes, PARSE_RULE_ID } from './engine/lint.js';
export { RuleError, type FixProblem } from './engine/errors.js';
export { anyDriver, cgroupDrivers, qemuDriver, DOMAIN_TYPES, QEMU_TYPES } from './engine/drivers.js';
export { applyEdits, escapeAttr, escapeText, Fixer, type TextEdit } from './xml/edit.js';
export { attr, childElements, firstChild, isElement, textOf, type Range, type XAttr, type XElement, type XNode, type XText } from './xml/tree.js';
export type { Position, XmlDocument } from './xml/document.js';
export type { DomainModel } from './domain/model.js';
export type { HostSnapshot } from './host/snapshot.js';
export type { Profile, ProfileId } from './libvirt/profile.js';

import type { Rule } from './engine/types.js';

/** A rule, checked by the type system: `export const rules = [defineRule({ meta, check })]`. */
export function defineRule(rule: Rule): Rule {
  return rule;
}
