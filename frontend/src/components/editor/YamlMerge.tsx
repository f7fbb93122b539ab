// Side-by-side comparison of two YAML texts (CodeMirror merge view), read-only.
import { useEffect, useRef } from 'react';
import { basicSetup } from 'codemirror';
import { EditorState } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { yaml } from '@codemirror/lang-yaml';
import { MergeView } from '@codemirror/merge';
import { oneDark } from '@codemirror/theme-one-dark';
import { GLYPH_STYLES } from './glyphs';

export interface YamlMergeProps {
  left: string;
  right: string;
  leftLabel: string;
  rightLabel: string;
  dark?: boolean;
}

export default function YamlMerge({ left, right, leftLabel, rightLabel, dark }: YamlMergeProps) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!host.current) return;
    const common = (label: string) => [
      basicSetup,
      yaml(),
      EditorView.theme(GLYPH_STYLES),
      EditorState.readOnly.of(true),
      EditorView.editable.of(false),
      // read-only, but reachable with the keyboard (to scroll and read)
      EditorView.contentAttributes.of({ 'aria-label': label, tabindex: '0' }),
      ...(dark ? [oneDark] : []),
    ];
    const merge = new MergeView({
      parent: host.current,
      a: { doc: left, extensions: common(leftLabel) },
      b: { doc: right, extensions: common(rightLabel) },
      gutter: true,
      highlightChanges: true,
      collapseUnchanged: { margin: 3, minSize: 8 },
    });
    return () => merge.destroy();
  }, [left, right, leftLabel, rightLabel, dark]);
  return <div ref={host} className="yaml-merge" data-testid="yaml-merge" />;
}
