import { anyDriver } from '../src/engine/drivers.js';
import type { Rule } from '../src/engine/types.js';
import { childElements, firstChild } from '../src/xml/tree.js';

/** `<target>` children that libvirt reads for one memory device model only. */
const MODEL_ONLY: Record<string, { model: string; a: string; what: string }> = {
  block: { model: 'virtio-mem', a: 'a', what: 'block size' },
  requested: { model: 'virtio-mem', a: 'a', what: 'requested size' },
  current: { model: 'virtio-mem', a: 'a', what: 'current size' },
  label: { model: 'nvdimm', a: 'an', what: 'label area' },
  readonly: { model: 'nvdimm', a: 'an', what: 'read-only flag' },
};

/** The models libvirt 9.0 knows; an unknown model is refused before this matters. */
const MODELS = new Set(['dimm', 'nvdimm', 'virtio-pmem', 'virtio-mem', 'sgx-epc']);

export const rule: Rule = {
  meta: {
    id: 'memory-device-ignored-settings',
    description: "Memory device settings the model ignores: virtio-mem's <block>, <requested>, <current> (or nvdimm's <label>, <readonly>) on another model are dropped without a word",
    severity: 'warn',
    stage: 'define',
    fixable: false,
    needs: ['memoryDevices'],
    drivers: anyDriver('virDomainMemoryTargetDefParseXML (src/conf/domain_conf.c), which reads these children only for their own model'),
    docs: 'rules/memory-device-ignored-settings.md',
  },
  check(ctx) {
    for (const dev of ctx.domain.memoryDevices) {
      if (!dev.model || !MODELS.has(dev.model)) continue;
      const target = firstChild(dev.el, 'target');
      if (!target) continue;
      for (const child of childElements(target)) {
        const only = child.namespace === null && Object.hasOwn(MODEL_ONLY, child.name) ? MODEL_ONLY[child.name] : undefined;
        if (!only || only.model === dev.model) continue;
        ctx.report({
          node: child,
          message: `<${child.name}> (the ${only.what}) is ${only.a} ${only.model} setting: libvirt reads it only for model='${only.model}', so on this ${dev.model} it is dropped without a word (virsh dumpxml no longer shows it). Remove it, or make the device model='${only.model}' if that is what was meant`,
          suggestions: [{ desc: `Remove <${child.name}> (libvirt ignores it on a ${dev.model})`, fix: (fixer) => fixer.removeElement(child) }],
        });
      }
    }
  },
};
