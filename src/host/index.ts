/** The host layer: sysfs/procfs (or virsh output) → HostSnapshot. */
export type * from './snapshot.js';
export { HOST_SNAPSHOT_SCHEMA_VERSION } from './snapshot.js';
export { HostInputError } from './errors.js';
export { takeSnapshot, type TakeSnapshotOptions, type TakeSnapshotResult } from './take.js';
export {
  loadSnapshot,
  loadHostInput,
  loadHostInputs,
  parseHostInput,
  validateSnapshot,
  detectHostInputFormat,
  type HostInputFormat,
} from './load.js';
export { snapshotFromCapabilities, snapshotFromFreepages, mergeSnapshots, emptySnapshot } from './virsh.js';
