/**
 * `kvmxml check`: one verdict per VM on one host. A definition libvirt refuses, or one a rule
 * already knows cannot start, fails whatever the host; otherwise the prediction decides. The
 * reasons are shaped like lint messages (DESIGN.md) so the same tools can read them.
 */
import type { FileLintResult } from '../engine/lint.js';
import type { LintMessage } from '../engine/types.js';
import type { HostSnapshot } from '../host/snapshot.js';
import { buildDomainModel } from '../domain/model.js';
import { DEFAULT_PROFILE, type Profile, type ProfileId } from '../libvirt/profile.js';
import type { XmlDocument } from '../xml/document.js';
import type { XAttr, XElement } from '../xml/tree.js';
import { HostPools } from './host-pools.js';
import { predictStart, type DemandRow, type Prediction, type PredictionReason, type Verdict } from './predict.js';
import { qemuLineOf } from '../libvirt/messages.js';

export const PREDICTION_RULE_ID = 'start-prediction';

export interface CheckReason extends LintMessage {
  suggestion?: string;
}

export interface CheckResult {
  filePath: string;
  verdict: Verdict;
  reasons: CheckReason[];
  demand: DemandRow[];
  /** What a `starts` (or `unknown`) verdict did not check: files and sockets the snapshot cannot see. */
  unchecked: { message: string; line: number; column: number }[];
  /** The profile the file was judged by. */
  libvirt?: ProfileId;
  /** With several files: the verdict when the VMs before this one (in the given order) run already. */
  together?: { verdict: Verdict; reasons: CheckReason[] };
  skipped?: string;
}

/** Stages at which a finding means the VM cannot be defined or started, whatever the host. */
const BLOCKING = new Set(['parse', 'define', 'start']);

function toMessage(doc: XmlDocument, r: PredictionReason): CheckReason {
  const node = r.node as XElement | XAttr;
  const range = node.kind === 'element' ? node.startTag : node.range;
  const start = doc.positionAt(range.start);
  const end = doc.positionAt(range.end);
  const m: CheckReason = {
    ruleId: PREDICTION_RULE_ID,
    severity: r.kind === 'fails' ? 2 : 1,
    message: r.message,
    line: start.line,
    column: start.column,
    endLine: end.line,
    endColumn: end.column,
    stage: 'start',
  };
  if (r.suggestion) m.suggestion = r.suggestion;
  return m;
}

function merge(blocking: LintMessage[], prediction: Prediction | null, doc: XmlDocument | null): { verdict: Verdict; reasons: CheckReason[] } {
  const reasons: CheckReason[] = [...blocking];
  if (prediction && doc) {
    for (const r of prediction.reasons) {
      // A rule may already quote the same libvirt/QEMU line; say it once.
      if (reasons.some((x) => x.message.includes(qemuLineOf(r.message)))) continue;
      reasons.push(toMessage(doc, r));
    }
  }
  const verdict: Verdict = blocking.length || prediction?.verdict === 'fails' ? 'fails' : prediction?.verdict ?? 'fails';
  return { verdict, reasons };
}

/**
 * Judge one linted file on `host`. `shared` carries the pools consumed by the VMs checked
 * before it (batch mode); it is updated when this VM would start.
 */
export function checkLinted(lint: FileLintResult, doc: XmlDocument | null, host: HostSnapshot, shared: HostPools | null, profile: Profile = DEFAULT_PROFILE): CheckResult {
  if (lint.skipped) return { filePath: lint.filePath, verdict: 'unknown', reasons: [], demand: [], unchecked: [], skipped: lint.skipped };
  // host-start is the prediction itself as a lint rule: here the prediction speaks for it.
  const blocking = lint.messages.filter((m) => m.severity === 2 && BLOCKING.has(m.stage) && m.ruleId !== 'host-start');
  const domain = doc ? buildDomainModel(doc.root) : null;
  const defineFails = blocking.some((m) => m.stage !== 'start') || !domain;
  const alone = defineFails || !domain ? null : predictStart(domain, host, undefined, profile);
  const merged = merge(blocking, alone, doc);
  const unchecked = merged.verdict === 'fails' || !doc ? [] : (alone?.unchecked ?? []).map((u) => ({ message: u.message, ...doc.positionAt(u.node.startTag.start) }));
  const result: CheckResult = { filePath: lint.filePath, ...merged, demand: alone?.demand ?? [], unchecked, libvirt: profile.id };
  if (shared) {
    const together = defineFails || !domain ? null : predictStart(domain, host, shared, profile);
    result.together = merge(blocking, together, doc);
  }
  return result;
}

export function newBatchPools(host: HostSnapshot): HostPools {
  return new HostPools(host);
}
