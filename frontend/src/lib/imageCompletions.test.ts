import { describe, expect, it } from 'vitest';
import { imageCompletions, type CompletionContextLike } from './imageCompletions';

/** What CodeMirror's CompletionContext.matchBefore does: the match ending at the cursor. */
function at(doc: string, explicit = false): CompletionContextLike {
  const pos = doc.length;
  const lineStart = doc.lastIndexOf('\n') + 1;
  return {
    explicit,
    matchBefore(expr) {
      const text = doc.slice(lineStart, pos);
      const found = new RegExp(`(?:${expr.source})$`).exec(text);
      return found ? { from: lineStart + found.index, to: pos, text: found[0] } : null;
    },
  };
}

const offer = imageCompletions(() => ['coremon/demo-web:1', 'redis:7']);

describe('image completions', () => {
  it("offers the local images as an image: value, from the value's start", () => {
    const doc = 'services:\n  web:\n    image: core';
    const result = offer(at(doc))!;
    expect(result.options.map((o) => o.label)).toEqual(['coremon/demo-web:1', 'redis:7']);
    expect(doc.slice(result.from)).toBe('core');
    const quoted = 'services:\n  web:\n    image: "';
    expect(offer(at(quoted))!.from).toBe(quoted.length);
  });

  it('offers nothing elsewhere, or when the engine has no image', () => {
    expect(offer(at('services:\n  web:\n    command: co'))).toBeNull();
    expect(offer(at('services:\n  web:\n    myimage: co'))).toBeNull();
    expect(imageCompletions(() => [])(at('    image: '))).toBeNull();
  });
});
