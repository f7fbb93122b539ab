// CodeMirror 6 with YAML highlighting and lint diagnostics (loaded lazily: see index.ts).
import { useEffect, useRef } from 'react';
import { basicSetup } from 'codemirror';
import { EditorState, Compartment } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { yaml } from '@codemirror/lang-yaml';
import { lintGutter, setDiagnostics, type Diagnostic } from '@codemirror/lint';
import { oneDark } from '@codemirror/theme-one-dark';
import { GLYPH_STYLES } from './glyphs';
import { imageCompletions } from '../../lib/imageCompletions';

export interface EditorDiagnostic {
  from: number;
  to: number;
  message: string;
}

export interface YamlEditorProps {
  value: string;
  onChange?: (value: string) => void;
  readOnly?: boolean;
  dark?: boolean;
  diagnostics?: EditorDiagnostic[];
  label: string;
  minHeight?: string;
  /** Asks the editor to put the cursor at this offset and scroll there. */
  focusAt?: { offset: number; nonce: number } | null;
  /** Image references offered as completions after `image:` (the engine's local images). */
  images?: readonly string[];
}

export default function YamlEditor(props: YamlEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const theme = useRef(new Compartment());
  const editable = useRef(new Compartment());
  const onChange = useRef(props.onChange);
  onChange.current = props.onChange;
  const images = useRef(props.images ?? []);
  images.current = props.images ?? [];

  useEffect(() => {
    if (!host.current) return;
    const editor = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: props.value,
        extensions: [
          basicSetup,
          yaml(),
          EditorView.theme(GLYPH_STYLES),
          lintGutter(),
          EditorState.languageData.of(() => [{ autocomplete: imageCompletions(() => images.current) }]),
          EditorView.lineWrapping,
          theme.current.of(props.dark ? oneDark : []),
          editable.current.of([
            EditorState.readOnly.of(Boolean(props.readOnly)),
            EditorView.editable.of(!props.readOnly),
          ]),
          EditorView.contentAttributes.of({ 'aria-label': props.label, tabindex: '0' }),
          EditorView.theme({
            '&': { minHeight: props.minHeight ?? '320px', fontSize: '13px' },
            '.cm-scroller': { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, monospace' },
            '&.cm-focused': { outline: '2px solid var(--mantine-primary-color-filled)' },
          }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) onChange.current?.(update.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = editor;
    return () => {
      editor.destroy();
      view.current = null;
    };
    // The editor is created once; later prop changes are dispatched below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // An outside change of the text (another version loaded): replace the document.
  useEffect(() => {
    const editor = view.current;
    if (editor && editor.state.doc.toString() !== props.value) {
      editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: props.value } });
    }
  }, [props.value]);

  useEffect(() => {
    view.current?.dispatch({ effects: theme.current.reconfigure(props.dark ? oneDark : []) });
  }, [props.dark]);

  useEffect(() => {
    view.current?.dispatch({
      effects: editable.current.reconfigure([
        EditorState.readOnly.of(Boolean(props.readOnly)),
        EditorView.editable.of(!props.readOnly),
      ]),
    });
  }, [props.readOnly]);

  useEffect(() => {
    const editor = view.current;
    if (!editor) return;
    const length = editor.state.doc.length;
    const diagnostics: Diagnostic[] = (props.diagnostics ?? []).map((d) => ({
      from: Math.min(d.from, length),
      to: Math.min(Math.max(d.to, d.from), length),
      severity: 'error',
      message: d.message,
    }));
    editor.dispatch(setDiagnostics(editor.state, diagnostics));
  }, [props.diagnostics]);

  useEffect(() => {
    const editor = view.current;
    if (!editor || !props.focusAt) return;
    const at = Math.min(props.focusAt.offset, editor.state.doc.length);
    editor.dispatch({ selection: { anchor: at }, scrollIntoView: true });
    editor.focus();
  }, [props.focusAt]);

  return <div ref={host} className="yaml-editor" data-testid="yaml-editor" />;
}
