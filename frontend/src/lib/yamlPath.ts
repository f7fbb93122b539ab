// Map an API validation path (`services.web.ports[0].published`) to a place in the YAML
// text the user typed, so that the editor can mark the right line. The `yaml` parser keeps
// each node's source range; we walk the document along the path as far as it goes (a path
// may name something the text lacks, e.g. a missing key, or go through an alias), and point
// at the deepest node found: a map entry's key, or a sequence item.
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';

export type Segment = string | number;

export interface TextSpot {
  from: number;
  to: number;
  line: number; // 1-based
  exact: boolean; // the whole path was found
}

/** "services.web.ports[0]" → ["services", "web", "ports", 0]. Trailing prose is dropped. */
export function parsePath(path: string): Segment[] {
  const clean = path.split(/[\s…:]/, 1)[0] ?? '';
  const out: Segment[] = [];
  const re = /([^.[\]]+)|\[(\d+)\]/g;
  let match: RegExpExecArray | null;
  while ((match = re.exec(clean)) !== null) {
    if (match[2] !== undefined) out.push(Number(match[2]));
    else if (match[1] !== undefined) out.push(match[1]);
  }
  return out;
}

function keyText(key: unknown): string | null {
  if (isScalar(key)) return String(key.value);
  return null;
}

interface Found {
  node: Node | null;
  range: [number, number] | null;
  used: number;
}

function step(node: Node, segments: Segment[], index: number): Found | null {
  let target: Node = node;
  if (isAlias(target)) return null;
  const segment = segments[index];
  if (isMap(target) && segment !== undefined) {
    // Keys may themselves contain dots (labels like com.example.tier): try longer joins too.
    for (let end = segments.length; end > index; end--) {
      const name = segments.slice(index, end).join('.');
      const pair = target.items.find((p) => keyText(p.key) === name);
      if (pair) {
        const key = pair.key as Node | null;
        const range = key?.range ? ([key.range[0], key.range[1]] as [number, number]) : null;
        return { node: (pair.value as Node | null) ?? null, range, used: end - index };
      }
    }
    return null;
  }
  if (isSeq(target) && typeof segment === 'number') {
    const item = target.items[segment] as Node | undefined;
    if (!item) return null;
    const range = item.range ? ([item.range[0], item.range[1]] as [number, number]) : null;
    target = item;
    return { node: item, range, used: 1 };
  }
  return null;
}

export function locate(text: string, path: string): TextSpot | null {
  const segments = parsePath(path);
  const counter = new LineCounter();
  let doc;
  try {
    doc = parseDocument(text, { lineCounter: counter, keepSourceTokens: false, uniqueKeys: false });
  } catch {
    return null;
  }
  let node = doc.contents as Node | null;
  let range: [number, number] | null = null;
  let index = 0;
  while (node && index < segments.length) {
    const found = step(node, segments, index);
    if (!found) break;
    index += found.used;
    if (found.range) range = found.range;
    node = found.node;
  }
  if (!range) {
    // Nothing of the path is in the text: the first line of the document stands for it.
    const start = doc.contents?.range?.[0] ?? 0;
    const line = counter.linePos(start).line;
    return { from: start, to: start, line, exact: false };
  }
  const [from, to] = range;
  return { from, to: Math.max(to, from), line: counter.linePos(from).line, exact: index >= segments.length };
}
