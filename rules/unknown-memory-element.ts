import {
  DOMAIN_CHILDREN,
  GENERIC_NAMES,
  memoryArea,
  childSpec,
  formatPath,
  lostSetting,
  moveIntoContainer,
  schemaQuote,
  normaliseName,
  suggestName,
  walkMemoryArea,
  type AreaPath,
  type AreaVisit,
  type MemoryArea,
  type ElementSpec,
  type Placement,
  type Suggestion,
} from '../src/domain/schema-table.js';
import type { FixFunction, Report, Rule, RuleContext } from '../src/engine/types.js';
import { childElements, firstChild, type XElement, type XNode, type XText } from '../src/xml/tree.js';
import { anyDriver } from '../src/engine/drivers.js';
import { renameEdits } from '../src/xml/fixes.js';

/** Memory-area names that may stand in the wrong place and still be recognised by name. */
function distinctive(name: string, area: MemoryArea): boolean {
  return area.placements.has(name) && !GENERIC_NAMES.has(name);
}

/** Containers a stray element can be moved into by a fix (created when missing). */
function movableTarget(p: Placement): 'memoryBacking' | 'memtune' | null {
  if (p.path.length !== 2) return null;
  const c = p.path[0];
  if (c !== 'memoryBacking' && c !== 'memtune') return null;
  // A stray <page> needs a <hugepages> around it; say so instead of guessing.
  return c;
}

function didYouMean(s: Suggestion[], where?: string): string {
  const names = s.map((x) => `<${x.name}>`);
  const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
  return `did you mean ${list}${where ? ` in ${where}` : ''}?`;
}

export const rule: Rule = {
  meta: {
    id: 'unknown-memory-element',
    description: 'Unknown, misspelt or misplaced elements in the memory area, which plain virsh define drops without a word',
    severity: 'error',
    stage: 'schema',
    fixable: true,
    drivers: anyDriver('libvirt\'s domain schema (domain.rng); virDomainDefParseXML (src/conf/domain_conf.c) reads only the elements it knows'),
    docs: 'rules/unknown-memory-element.md',
  },
  check(ctx) {
    const root = ctx.domain.root;
    const report = (r: Report): void => ctx.report(r);

    // 1. Children of <domain> that are not libvirt elements but look like memory settings.
    // An element of another namespace, prefixed or under a default one
    // (<commandline xmlns='…/domain/qemu/1.0'>), is not one of libvirt's domain elements.
    // (Indexed loops here and below: this rule looks at every child of every element of the
    // memory area of every file, and a for…of allocates per step until V8 optimises it.)
    const top = root.children;
    for (let i = 0; i < top.length; i++) {
      const c = top[i] as XNode;
      if (c.kind !== 'element' || c.namespace !== null || c.name.includes(':') || DOMAIN_CHILDREN.has(c.name)) continue;
      checkStrayTopLevel(ctx, c, report);
    }

    // 2. Inside the memory area: children the schema does not allow, and ignored text.
    const visits = walkMemoryArea(root, memoryArea(ctx.profile.id));
    for (let v = 0; v < visits.length; v++) {
      const { el, spec, path } = visits[v] as AreaVisit;
      checkContent(el, spec, path, report);
      if (spec.content !== 'elements') continue;
      // Of <devices>, only the memory devices are ours (visited in turn): the rest is never reported.
      if (spec.partial && spec.name !== 'cpu') continue;
      const children = el.children;
      for (let i = 0; i < children.length; i++) {
        const c = children[i] as XNode;
        if (c.kind !== 'element') continue;
        const foreign = c.namespace !== null || c.name.includes(':');
        if (!foreign && childSpec(spec, c.name)) continue;
        if (foreign) {
          if (!spec.partial) {
            report({ node: c, message: `<${c.name}> (another namespace) inside ${formatPath(path)}: libvirt ignores it, and the schema allows no foreign elements here; keep such notes in <metadata> ${schemaQuote(path[0] as string)}` });
          }
          continue;
        }
        checkUnknownChild(ctx, c, el, spec, path, report);
      }
    }
  },
};

/** An element directly under <domain> that libvirt does not know. */
function checkStrayTopLevel(ctx: RuleContext, el: XElement, report: (r: Report) => void): void {
  const root = ctx.domain.root;
  const q = schemaQuote(el.name, true);
  const area = memoryArea(ctx.profile.id);
  if (distinctive(el.name, area)) {
    const places = area.placements.get(el.name) as readonly Placement[];
    reportMisplaced(ctx, el, el.name, places, `directly in <domain>`, q, report);
    return;
  }
  // A spelling slip of a memory element? Compare against every domain child too, so a slip of
  // a non-memory element (<vcpus>, <clock>…) is left to whoever checks those.
  const memoryTop = area.children.filter((s) => s.content !== 'elements' || !s.partial).map((s) => s.name);
  const nested = [...area.placements.keys()].filter((n) => distinctive(n, area));
  const { best, sure } = suggestName(el.name, [...DOMAIN_CHILDREN, ...nested]);
  if (best.length === 0) return;
  if (best.some((b) => !memoryTop.includes(b.name) && !nested.includes(b.name))) return;
  const target = sure?.name ?? null;
  if (target && memoryTop.includes(target)) {
    const clash = firstChild(root, target);
    const fixable = !clash;
    report({
      node: el,
      message: `<${el.name}> is not a libvirt element: plain virsh define drops it without a word, so ${lostSetting(target)}; ${didYouMean(best)}${clash ? ` (the domain already has a <${target}>)` : ''} ${q}`,
      ...(fixable ? { fix: () => renameEdits(el, target) } : {}),
    });
    return;
  }
  if (target) {
    const places = area.placements.get(target) as readonly Placement[];
    reportMisplaced(ctx, el, target, places, `directly in <domain>`, q, report);
    return;
  }
  report({
    node: el,
    message: `<${el.name}> is not a libvirt element: plain virsh define drops it without a word; ${didYouMean(best)} ${q}`,
    suggestions: best.filter((b) => memoryTop.includes(b.name) && !firstChild(root, b.name)).map((b) => ({ desc: `Rename to <${b.name}>`, fix: () => renameEdits(el, b.name) })),
  });
}

/**
 * `el` (written as `el.name`, meant as `intended`) belongs somewhere else in the memory area.
 * Fixable when it has exactly one home, inside <memoryBacking> or <memtune>, and that home does
 * not have such a child yet.
 */
function reportMisplaced(
  ctx: RuleContext,
  el: XElement,
  intended: string,
  places: readonly Placement[],
  here: string,
  quote: string,
  report: (r: Report) => void,
): void {
  const where = places.map((p) => formatPath(p.path.slice(0, -1))).join(' or ');
  const renamed = intended !== el.name ? `<${el.name}> looks like <${intended}>, which` : `<${el.name}>`;
  const belongs = `belongs in ${where}`;
  let fix: FixFunction | undefined;
  let note = '';
  if (places.length === 1) {
    const p = places[0] as Placement;
    const container = movableTarget(p);
    if (container) {
      const existing = firstChild(ctx.domain.root, container);
      // A misspelt container (<memorybacking>) is renamed by this pass; the move waits for the
      // next one, so that it goes into that container instead of a second, new one.
      const renamedHere = !existing && childElements(ctx.domain.root).some((c) => c !== el && suggestName(c.name, [container]).sure?.name === container);
      if (existing && firstChild(existing, intended)) note = ` (${formatPath([container])} already has a <${intended}>: remove this one or merge the two)`;
      else if (!renamedHere) fix = (f) => moveIntoContainer(f, ctx.domain.root, el, container, intended);
    }
  }
  report({
    node: el,
    message: `${renamed} ${belongs}, not ${here}: libvirt ignores it there, so ${lostSetting(intended)}${note} ${quote}`,
    ...(fix ? { fix } : {}),
  });
}

/** A child element the schema does not allow under `parent`. */
function checkUnknownChild(ctx: RuleContext, el: XElement, parent: XElement, spec: ElementSpec, path: AreaPath, report: (r: Report) => void): void {
  // Words for the reports, made only when there is one (most unknown children are the devices and CPU parts of other areas).
  const q = (): string => schemaQuote(path[0] as string);
  const here = (): string => `in ${formatPath(path)}`;
  // <cpu> and <devices>: only their memory parts are ours.
  if (spec.partial) {
    if (spec.name === 'cpu') {
      if (el.name === 'cell') {
        report({ node: el, message: `<cell> belongs in <cpu><numa>, not directly in <cpu>: libvirt ignores it there, so ${lostSetting('cell')} ${q()}` });
      } else {
        // A spelling of <numa> (suggestName's 'spelling' level, for one known name).
        if (normaliseName(el.name) === 'numa' && !firstChild(parent, 'numa')) {
          report({ node: el, message: `<${el.name}> is not a <cpu> element: libvirt ignores it, so ${lostSetting('numa')}; did you mean <numa>? ${q()}`, fix: () => renameEdits(el, 'numa') });
        }
      }
    }
    return;
  }
  // Handled by the huge page rules (a stray <page> directly under <memoryBacking>).
  if (spec.name === 'memoryBacking' && el.name === 'page') return;

  const siblings = (spec.children ?? []).filter((c) => c.content !== 'unchecked').map((c) => c.name);
  const { best, sure } = suggestName(el.name, siblings);
  if (sure) {
    const clash = firstChild(parent, sure.name);
    report({
      node: el,
      message: `<${el.name}> is not a ${formatPath([spec.name])} element: libvirt ignores it, so ${lostSetting(sure.name)}; did you mean <${sure.name}>?${clash ? ` (there is a <${sure.name}> already)` : ''} ${q()}`,
      ...(clash ? {} : { fix: () => renameEdits(el, sure.name) }),
    });
    return;
  }
  const area = memoryArea(ctx.profile.id);
  if (distinctive(el.name, area)) {
    const places = (area.placements.get(el.name) as readonly Placement[]).filter((p) => p.path.join('/') !== [...path, el.name].join('/'));
    if (places.length) {
      reportMisplaced(ctx, el, el.name, places, here(), q(), report);
      return;
    }
  }
  // A slip of an element that lives elsewhere in the memory area (<hard-limit> in <memoryBacking>).
  const elsewhere = suggestName(el.name, [...area.placements.keys()].filter((n) => distinctive(n, area)));
  if (elsewhere.sure && !siblings.includes(elsewhere.sure.name)) {
    reportMisplaced(ctx, el, elsewhere.sure.name, area.placements.get(elsewhere.sure.name) as readonly Placement[], here(), q(), report);
    return;
  }
  const guesses = best.length ? best : elsewhere.best;
  report({
    node: el,
    message: `<${el.name}> is not a ${formatPath([spec.name])} element: libvirt ignores it${guesses.length ? `; ${didYouMean(guesses)}` : ` (${formatPath([spec.name])} takes ${siblings.map((s) => `<${s}>`).join(', ')})`} ${q()}`,
    suggestions: best.filter((b) => !firstChild(parent, b.name)).map((b) => ({ desc: `Rename to <${b.name}>`, fix: () => renameEdits(el, b.name) })),
  });
}

/** Text or elements where libvirt reads neither (`<nosharepages>no</nosharepages>`, `<hugepages>1G</hugepages>`). */
/** Anything but white space (the characters String.prototype.trim removes). */
const NOT_BLANK = /\S/;

function checkContent(el: XElement, spec: ElementSpec, path: AreaPath, report: (r: Report) => void): void {
  if (spec.content === 'number' || spec.content === 'text' || spec.content === 'unchecked') return;
  const q = (): string => schemaQuote(path[0] as string);
  // The first text that is not blank (most elements hold only the indentation between their children).
  const t = el.children.find((c): c is XText => (c.kind === 'text' || c.kind === 'cdata') && NOT_BLANK.test(c.value));
  if (t) {
    const shown = t.value.trim().length > 20 ? `${t.value.trim().slice(0, 20)}…` : t.value.trim();
    let why: string;
    if (spec.content === 'empty') why = `<${el.name}/> is a switch: being there turns it on, whatever it contains, so '${shown}' changes nothing`;
    else if (el.name === 'hugepages') {
      why = firstChild(el, 'page')
        ? `page sizes come from the <page> children only, so the text changes nothing`
        : `page sizes are chosen with <page size='…' unit='…'/> children; as written the guest gets the host's default huge page size`;
    }
    else if (spec.content === 'attrs-only') why = `<${el.name}> takes its values from attributes only`;
    else why = `<${el.name}> holds elements only`;
    report({ node: t, message: `text '${shown}' inside <${el.name}> is ignored by libvirt: ${why} ${q()}` });
  }
  if (spec.content === 'empty' || spec.content === 'attrs-only') {
    for (const c of el.children) {
      if (c.kind !== 'element' || c.namespace !== null || c.name.includes(':')) continue;
      report({ node: c, message: `<${el.name}> takes no child elements: libvirt ignores <${c.name}> inside it ${q()}` });
    }
  }
}
