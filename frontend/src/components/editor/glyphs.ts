// CodeMirror draws its fold markers with characters ("⦚" around a merge view's collapsed
// unchanged lines, "⌄" / "›" in the fold gutter) that the fonts this page may get lack: they
// showed as empty boxes. Here they are icons (SVG masks painted in the text's color), which
// need no font. Plain CSS-in-JS so it can be checked without a browser.
const svg = (path: string) =>
  `url("data:image/svg+xml,${encodeURIComponent(
    `<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16' fill='none' stroke='black' stroke-width='2' stroke-linecap='round' stroke-linejoin='round'><path d='${path}'/></svg>`,
  )}")`;

export const ICONS = {
  unfold: svg('M4 6l4-4 4 4M4 10l4 4 4-4'), // arrows apart: "show the hidden lines"
  open: svg('M4 6l4 4 4-4'), // chevron down: an open fold
  closed: svg('M6 4l4 4-4 4'), // chevron right: a closed fold
};

const icon = (image: string, size: string) => ({
  content: '""',
  display: 'inline-block',
  width: size,
  height: size,
  verticalAlign: 'middle',
  backgroundColor: 'currentColor',
  WebkitMaskImage: image,
  maskImage: image,
  WebkitMaskRepeat: 'no-repeat',
  maskRepeat: 'no-repeat',
  WebkitMaskSize: 'contain',
  maskSize: 'contain',
});

/** For EditorView.theme: every marker an icon, no character left to a font. */
export const GLYPH_STYLES = {
  '.cm-collapsedLines:before': { ...icon(ICONS.unfold, '12px'), marginInlineEnd: '7px' },
  '.cm-collapsedLines:after': { ...icon(ICONS.unfold, '12px'), marginInlineStart: '7px' },
  '.cm-foldGutter .cm-gutterElement > span': { fontSize: '0', lineHeight: '0' },
  '.cm-foldGutter .cm-gutterElement > span[title="Fold line"]:before': icon(ICONS.open, '11px'),
  '.cm-foldGutter .cm-gutterElement > span[title="Unfold line"]:before': icon(ICONS.closed, '11px'),
} as const;
