import { explainedAreas } from '../src/domain/schema-table.js';
import { anyDriver } from '../src/engine/drivers.js';
import type { Rule } from '../src/engine/types.js';
import { diagnose } from '../src/schema/diagnose.js';
import type { Range } from '../src/xml/tree.js';

function within(inner: Range, outer: Range): boolean {
  return inner.start >= outer.start && inner.end <= outer.end;
}

export const rule: Rule = {
  meta: {
    id: 'libvirt-schema',
    description: "The whole document against libvirt's own RelaxNG schema (domain.rng), as virsh define --validate and virt-xml-validate check it",
    severity: 'error',
    stage: 'schema',
    fixable: false,
    drivers: anyDriver("virXMLValidateAgainstSchema with domain.rng (src/util/virxml.c), before any driver"),
    needsSchema: true,
    docs: 'rules/libvirt-schema.md',
  },
  check(ctx) {
    const schema = ctx.schema;
    if (!schema) return;
    const { errors, violations } = diagnose(schema, ctx.doc);
    if (errors.length === 0) return;
    // Where a memory-area rule already said what is wrong, the violation is theirs.
    const explained = explainedAreas(ctx.domain.root).filter(({ el, rules }) =>
      ctx.earlier.some((f) => rules.includes(f.ruleId) && within(f.range, el.range)),
    );
    const quote = `(libvirt --validate: ${errors[0]?.message})`;
    for (const v of violations) {
      if (explained.some(({ el }) => within(v.node.range, el.range))) continue;
      const sep = v.message.endsWith('?') ? '' : ';';
      ctx.report({ node: v.node, message: `${v.message}${sep} virsh define --validate, virsh edit and virt-xml-validate reject the document ${quote}` });
    }
  },
};
