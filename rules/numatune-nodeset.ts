import { renderLibvirtError } from '../src/domain/libvirt-error.js';
import { resolveNumatune, vcpuPlacementAuto } from '../src/domain/numa.js';
import type { Rule } from '../src/engine/types.js';
import type { NodesetAttr } from '../src/domain/model.js';
import { anyDriver } from '../src/engine/drivers.js';

function nodesetProblem(ns: NodesetAttr): string | null {
  if (ns.parsed.ok) return null;
  const said = renderLibvirtError(ns.parsed.error);
  return ns.parsed.reason === 'empty'
    ? `nodeset '${ns.attr.value}' names no host node: list at least one host NUMA node (libvirt: ${said})`
    : `nodeset '${ns.attr.value}' is not a node list: write host node ids and ranges such as 0-1,3 (libvirt: ${said})`;
}

export const rule: Rule = {
  meta: {
    id: 'numatune-nodeset',
    description: '<numatune> nodesets must parse, name at least one node, and be given for static placement',
    severity: 'error',
    stage: 'define',
    fixable: false,
    needs: ['numatune'],
    drivers: anyDriver('virDomainNumatuneParseXML (src/conf/numa_conf.c)'),
    docs: 'rules/numatune-nodeset.md',
  },
  check(ctx) {
    const nt = resolveNumatune(ctx.domain);
    for (const e of nt.errors) {
      const ns = ctx.domain.numatune?.memory?.nodeset;
      if (e.kind === 'nodeset' && ns) {
        const msg = nodesetProblem(ns);
        if (msg) ctx.report({ node: ns.attr, message: msg });
      }
      if (e.kind === 'static-without-nodeset') {
        const said = renderLibvirtError(e.error);
        const explicit = e.node.kind === 'attr';
        const why = explicit
          ? "placement='static' binds guest memory to the host nodes in nodeset, and there is none"
          : `<memory> without nodeset gets placement='static'${vcpuPlacementAuto(ctx.domain) ? '' : " (the default, as <vcpu> placement is static)"}, which needs a nodeset`;
        ctx.report({
          node: e.node,
          message: `${why}: add nodeset='…' with the host NUMA nodes, or use placement='auto' to let numad choose them at start (libvirt: ${said})`,
        });
      }
    }
    for (const m of nt.memnodes) {
      const ns = m.memnode.nodeset;
      if (!ns) continue;
      const msg = nodesetProblem(ns);
      if (msg) ctx.report({ node: ns.attr, message: msg });
    }
  },
};
