/**
 * Global setup of `npm run test:libvirt`: makes real libvirt available (root, packages, daemons
 * via scripts/libvirt-lab.sh setup/start), measures this machine once and prints it, and holds
 * the lab lock for the whole run; teardown resets the host (lab domains, pools, mounts) and stops
 * the daemons if it started them.
 *
 * Without libvirt: when CI is set the run fails; otherwise the suite is skipped with one line.
 */
import type { TestProject } from 'vitest/node';
import { labMachine, labVersions, prepareLab } from './lab.js';
import { describeMachine, type Machine } from './machine.js';

export interface LabStatus {
  available: boolean;
  reason?: string;
  /** This machine, measured once (present when available). */
  machine?: Machine;
}

declare module 'vitest' {
  export interface ProvidedContext {
    kvmxmlLab: LabStatus;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const started = Date.now();
  const session = await prepareLab();
  if (!session.available) {
    if (process.env.CI) throw new Error(`test:libvirt: CI is set but real libvirt is unavailable: ${session.reason}`);
    console.log(`test:libvirt: skipped: ${session.reason}`);
    project.provide('kvmxmlLab', { available: false, reason: session.reason ?? 'unavailable' });
    return undefined;
  }
  let machine: Machine;
  try {
    machine = await labMachine();
    const versions = await labVersions();
    console.log(`test:libvirt: libvirt ready in ${((Date.now() - started) / 1000).toFixed(1)}s${session.startedDaemons ? ' (daemons started by this run)' : ''}; this machine:`);
    console.log(describeMachine(machine, versions).replace(/^/gm, '  '));
  } catch (e) {
    await session.close();
    throw e;
  }
  project.provide('kvmxmlLab', { available: true, machine });
  return async () => {
    await session.close();
    console.log(`test:libvirt: host reset${session.startedDaemons ? ', daemons stopped' : ''}; total ${((Date.now() - started) / 1000).toFixed(1)}s`);
  };
}
