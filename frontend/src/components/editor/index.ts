// CodeMirror is big: the editor and the merge view are separate chunks, loaded on first use.
import { lazy } from 'react';

export const YamlEditor = lazy(() => import('./YamlEditor'));
export const YamlMerge = lazy(() => import('./YamlMerge'));
export type { EditorDiagnostic } from './YamlEditor';
