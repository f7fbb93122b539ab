import { describe, expect, it } from 'vitest';
import { GLYPH_STYLES, ICONS } from './glyphs';

describe('editor fold markers', () => {
  it('are icons, not characters a font may lack', () => {
    const rules = GLYPH_STYLES as Record<string, Record<string, string>>;
    // the merge view's collapsed unchanged lines ("⦚" by default) and the fold gutter
    for (const selector of [
      '.cm-collapsedLines:before',
      '.cm-collapsedLines:after',
      '.cm-foldGutter .cm-gutterElement > span[title="Fold line"]:before',
      '.cm-foldGutter .cm-gutterElement > span[title="Unfold line"]:before',
    ]) {
      expect(rules[selector], selector).toBeDefined();
      expect(rules[selector]!.content).toBe('""');
      expect(rules[selector]!.maskImage).toMatch(/^url\("data:image\/svg\+xml,/);
    }
    expect(rules['.cm-foldGutter .cm-gutterElement > span']!.fontSize).toBe('0');
  });

  it('are well-formed SVG', () => {
    for (const url of Object.values(ICONS)) {
      const svg = decodeURIComponent(url.slice('url("data:image/svg+xml,'.length, -2));
      const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
      expect(doc.getElementsByTagName('parsererror')).toHaveLength(0);
      expect(doc.documentElement.getAttribute('viewBox')).toBe('0 0 16 16');
    }
  });
});
