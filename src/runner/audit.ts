/**
 * `kvmxml audit [--connect URI]`: every domain libvirt has defined, linted and start-checked
 * against the host it is defined on, reported by domain name. The domains come from virsh
 * (`list --all --name`, then `dumpxml --inactive NAME`: the definition a start would use); the
 * host from this machine's own snapshot, or, for a remote URI, from `virsh capabilities` and
 * `virsh freepages --all` over the same connection; `--host` names another description.
 * A running domain is linted but not start-checked: its pages are already taken from the pools.
 * The domains are judged as the libvirt they are defined in would judge them (profileFor): the
 * daemon's version (`virsh version --daemon`) counts after `--libvirt` and the config.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { rules as builtinRules } from '../../rules/index.js';
import { activeRulesFor, setBuiltinRuleIds } from '../engine/config.js';
import { lintDocument, type FileLintResult } from '../engine/lint.js';
import type { SeverityName } from '../engine/types.js';
import type { HostSnapshot } from '../host/snapshot.js';
import { profileForVersion, type Profile, type ProfileId } from '../libvirt/profile.js';
import { checkLinted, newBatchPools, type CheckResult } from '../predict/check.js';
import { ConfigResolver } from '../cli/config-resolver.js';
import { MAX_FILE_BYTES, UsageError } from '../cli/files.js';
import { unusedDirectivesLevel } from '../cli/lint-options.js';
import { profileFor } from '../cli/profile-option.js';

export interface AuditArgs {
  connect: string | undefined;
  config: boolean;
  /** A host description to check against instead of the connection's own host. */
  host: HostSnapshot | null;
  /** --report-unused-disable-directives, which wins over the config key. */
  unusedDirectives: SeverityName | undefined;
  /** --libvirt, which wins over the config key and the daemon's version. */
  libvirt?: ProfileId | undefined;
}

export interface AuditedDomain {
  name: string;
  running: boolean;
  lint: FileLintResult;
  /** null for a running domain (not start-checked). */
  check: CheckResult | null;
}

/** Run virsh over the connection; its own error line is the message when it fails. */
function virsh(connect: string | undefined, args: string[]): Promise<string> {
  const argv = connect ? ['-c', connect, ...args] : args;
  return new Promise((resolvePromise, reject) => {
    execFile('virsh', argv, { encoding: 'utf8', maxBuffer: MAX_FILE_BYTES * 2, env: { ...process.env, LC_ALL: 'C' } }, (err, stdout, stderr) => {
      if (!err) return resolvePromise(stdout);
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'ENOENT') return reject(new UsageError('audit: cannot run virsh: not found on PATH (install libvirt-clients)'));
      const said = stderr.split('\n').map((l) => l.replace(/^error:\s*/, '').trim()).filter(Boolean);
      reject(new UsageError(`audit: virsh ${argv.join(' ')} failed: ${said.join(': ') || `exit code ${String(e.code)}`}`));
    });
  });
}

const names = (text: string) => text.split('\n').map((l) => l.trim()).filter(Boolean);

/** A URI naming another machine (`qemu+ssh://host/system`); `qemu:///system` and none are this one. */
export function isRemoteUri(uri: string | undefined): boolean {
  if (!uri) return false;
  const m = /^[a-z0-9+.-]+:\/\/([^/?]*)/i.exec(uri);
  return m !== null && m[1] !== '' && m[1] !== 'localhost';
}

/** The daemon's version in `virsh version --daemon` output ("Running against daemon: 11.3.0"), or null. */
function daemonVersionOf(text: string): string | null {
  return /^Running against daemon:\s*(\d+\.\d+\.\d+)\s*$/m.exec(text)?.[1] ?? null;
}

/** The profile of the daemon behind the connection; null when virsh does not say or kvmxml has no profile of that version. */
async function daemonProfile(connect: string | undefined): Promise<Profile | null> {
  let text: string;
  try {
    text = await virsh(connect, ['version', '--daemon']);
  } catch {
    // an older virsh, or a daemon that does not answer this: the other sources decide
    return null;
  }
  const version = daemonVersionOf(text);
  return version === null ? null : profileForVersion(version);
}

async function hostOf(connect: string | undefined): Promise<HostSnapshot> {
  if (isRemoteUri(connect)) {
    const { mergeSnapshots, snapshotFromCapabilities, snapshotFromFreepages } = await import('../host/virsh.js');
    const caps = await snapshotFromCapabilities(await virsh(connect, ['capabilities']), 'virsh capabilities');
    return mergeSnapshots(caps, snapshotFromFreepages(await virsh(connect, ['freepages', '--all']), 'virsh freepages --all'));
  }
  const { takeSnapshot } = await import('../host/take.js');
  const { snapshot, problems } = await takeSnapshot({ root: '/' });
  for (const p of problems) process.stderr.write(`kvmxml: audit: snapshot: ${p}\n`);
  return snapshot;
}

export async function auditDomains(args: AuditArgs): Promise<AuditedDomain[]> {
  const all = names(await virsh(args.connect, ['list', '--all', '--name']));
  const running = new Set(names(await virsh(args.connect, ['list', '--state-running', '--name'])));
  const daemon = args.libvirt ? null : await daemonProfile(args.connect);
  const host = args.host ?? (await hostOf(args.connect));
  const known = new Map(builtinRules.map((r) => [r.meta.id, r] as const));
  setBuiltinRuleIds(known.keys());
  const configs = new ConfigResolver(args.config, known);
  // Domains have no file: the config is the one a file named after the domain here would get.
  const shared = newBatchPools(host);
  const out: AuditedDomain[] = [];
  for (const name of all.sort()) {
    let xml: string;
    try {
      xml = await virsh(args.connect, ['dumpxml', '--inactive', name]);
    } catch (e) {
      // Undefined between the listing and now: say so and go on.
      process.stderr.write(`kvmxml: audit: skipped domain ${name}: ${(e as Error).message}\n`);
      continue;
    }
    const configPath = join(process.cwd(), `${name}.xml`);
    const cfg = await configs.for(configPath);
    const active = activeRulesFor(configPath, builtinRules, cfg);
    const profile = profileFor(args.libvirt, cfg, host, daemon);
    const bytes = Buffer.from(xml, 'utf8');
    const linted = lintDocument(bytes, { filePath: name, rules: active, host, profile, reportUnusedDisableDirectives: unusedDirectivesLevel(args.unusedDirectives, cfg) });
    const lint = linted.result;
    const isRunning = running.has(name);
    // The start check reads the document and model the lint read.
    const check: CheckResult | null = isRunning ? null : checkLinted(lint, linted.doc, linted.domain, host, shared, profile);
    out.push({ name, running: isRunning, lint, check });
  }
  return out;
}

export function auditExitCode(domains: AuditedDomain[]): number {
  const failed = domains.some((d) => d.lint.errorCount > 0 || d.check?.verdict === 'fails' || d.check?.together?.verdict === 'fails');
  return failed ? 1 : 0;
}
