/**
 * The registry: every built-in rule, in the order they run. Adding a rule means adding its
 * module here, its doc page beside it and its fixtures under fixtures/rules/<id>/.
 */
import type { Rule, RuleMeta } from '../src/engine/types.js';
import { rule as memtuneOrder } from './memtune-order.js';
import { rule as sizeValue } from './size-value.js';
import { rule as sizeSchema } from './size-schema.js';
import { rule as sizeSiUnit } from './size-si-unit.js';
import { rule as memorySizeRequired } from './memory-size-required.js';
import { rule as memoryCurrentClamped } from './memory-current-clamped.js';
import { rule as memoryMax } from './memory-max.js';
import { rule as memoryDumpcore } from './memory-dumpcore.js';
import { rule as memoryDeviceHotplug } from './memory-device-hotplug.js';
import { rule as memoryDeviceIgnoredSettings } from './memory-device-ignored-settings.js';
import { rule as memoryDeviceAddress } from './memory-device-address.js';
import { rule as memoryAlignOverflow } from './memory-align-overflow.js';
import { rule as memoryAddressSpace } from './memory-address-space.js';
import { rule as memtuneSentinel } from './memtune-sentinel.js';
import { rule as memtuneUnlimited } from './memtune-unlimited.js';
import { rule as memtuneMinGuarantee } from './memtune-min-guarantee.js';
import { rule as memtuneImplicitKib } from './memtune-implicit-kib.js';
import { rule as memtuneSoftLimit } from './memtune-soft-limit.js';
import { rule as memtuneSwapLimit } from './memtune-swap-limit.js';
import { rule as memtuneSwapLimitHost } from './memtune-swap-limit-host.js';
import { rule as memtuneHardLimitLow } from './memtune-hard-limit-low.js';
import { rule as lockedMemoryLimit } from './locked-memory-limit.js';
import { rule as numaCellsMissing } from './numa-cells-missing.js';
import { rule as numaCellId } from './numa-cell-id.js';
import { rule as numaCellIdMixed } from './numa-cell-id-mixed.js';
import { rule as numaCellIdForm } from './numa-cell-id-form.js';
import { rule as numaCellCpusSyntax } from './numa-cell-cpus-syntax.js';
import { rule as numaCellCpusOverlap } from './numa-cell-cpus-overlap.js';
import { rule as numaCellCpusExceedVcpus } from './numa-cell-cpus-exceed-vcpus.js';
import { rule as numaCellCpusIncomplete } from './numa-cell-cpus-incomplete.js';
import { rule as numaMemorySum } from './numa-memory-sum.js';
import { rule as numaDistances } from './numa-distances.js';
import { rule as numaHmat } from './numa-hmat.js';
import { rule as numatuneDuplicate } from './numatune-duplicate.js';
import { rule as numatuneMode } from './numatune-mode.js';
import { rule as numatuneNodeset } from './numatune-nodeset.js';
import { rule as numatuneAutoNodeset } from './numatune-auto-nodeset.js';
import { rule as numatuneAutoPlacement } from './numatune-auto-placement.js';
import { rule as numatuneMemnode } from './numatune-memnode.js';
import { rule as numatuneSchema } from './numatune-schema.js';
import { rule as numatuneHostNodes } from './numatune-host-nodes.js';
import { rule as unknownMemoryElement } from './unknown-memory-element.js';
import { rule as unknownMemoryAttribute } from './unknown-memory-attribute.js';
import { rule as duplicateMemoryElement } from './duplicate-memory-element.js';
import { rule as memorybackingOrder } from './memorybacking-order.js';
import { rule as ksmNosharepagesRedundant } from './ksm-nosharepages-redundant.js';
import { rule as ksmLatencyHint } from './ksm-latency-hint.js';
import { rule as thpNeverNoHugepages } from './thp-never-no-hugepages.js';
import { rule as eptUnavailable } from './ept-unavailable.js';
import { rule as hugepageStrayPage } from './hugepage-stray-page.js';
import { rule as hugepagePageAttributes } from './hugepage-page-attributes.js';
import { rule as hugepagePageSize } from './hugepage-page-size.js';
import { rule as hugepageSystemPageSize } from './hugepage-system-page-size.js';
import { rule as hugepageNodesetCells } from './hugepage-nodeset-cells.js';
import { rule as hugepageNodesetDropped } from './hugepage-nodeset-dropped.js';
import { rule as hugepageNodesetOverlap } from './hugepage-nodeset-overlap.js';
import { rule as hugepageMasterPages } from './hugepage-master-pages.js';
import { rule as hugepageUncoveredCells } from './hugepage-uncovered-cells.js';
import { rule as hugepageBackendSize } from './hugepage-backend-size.js';
import { rule as hugepageBackendRounding } from './hugepage-backend-rounding.js';
import { rule as hugepageBackendUnaligned } from './hugepage-backend-unaligned.js';
import { rule as hugepageSourceConflict } from './hugepage-source-conflict.js';
import { rule as hugepageBackingValues } from './hugepage-backing-values.js';
import { rule as hugepageSharedMemory } from './hugepage-shared-memory.js';
import { rule as hostStart } from './host-start.js';
import { rule as libvirtSchema } from './libvirt-schema.js';
import { meta as xmlWellFormed } from './xml-well-formed.js';

/** Rules reported by the engine itself rather than by a check function. */
export const engineRules: RuleMeta[] = [xmlWellFormed];

export const rules: Rule[] = [
  memtuneOrder,
  sizeValue,
  sizeSchema,
  sizeSiUnit,
  memorySizeRequired,
  memoryCurrentClamped,
  memoryMax,
  memoryDumpcore,
  memoryDeviceHotplug,
  memoryDeviceIgnoredSettings,
  memoryDeviceAddress,
  memoryAlignOverflow,
  memoryAddressSpace,
  memtuneSentinel,
  memtuneUnlimited,
  memtuneMinGuarantee,
  memtuneImplicitKib,
  memtuneSoftLimit,
  memtuneSwapLimit,
  memtuneSwapLimitHost,
  memtuneHardLimitLow,
  lockedMemoryLimit,
  numaCellsMissing,
  numaCellId,
  numaCellIdMixed,
  numaCellIdForm,
  numaCellCpusSyntax,
  numaCellCpusOverlap,
  numaCellCpusExceedVcpus,
  numaCellCpusIncomplete,
  numaMemorySum,
  numaDistances,
  numaHmat,
  numatuneDuplicate,
  numatuneMode,
  numatuneNodeset,
  numatuneAutoNodeset,
  numatuneAutoPlacement,
  numatuneMemnode,
  numatuneSchema,
  numatuneHostNodes,
  unknownMemoryElement,
  unknownMemoryAttribute,
  duplicateMemoryElement,
  memorybackingOrder,
  ksmNosharepagesRedundant,
  ksmLatencyHint,
  thpNeverNoHugepages,
  eptUnavailable,
  hugepageStrayPage,
  hugepagePageAttributes,
  hugepagePageSize,
  hugepageSystemPageSize,
  hugepageNodesetCells,
  hugepageNodesetDropped,
  hugepageNodesetOverlap,
  hugepageMasterPages,
  hugepageUncoveredCells,
  hugepageBackendSize,
  hugepageBackendRounding,
  hugepageBackendUnaligned,
  hugepageSourceConflict,
  hugepageBackingValues,
  hugepageSharedMemory,
  hostStart,
  // Last: it leaves to the memory-area rules what they have already explained.
  libvirtSchema,
];
