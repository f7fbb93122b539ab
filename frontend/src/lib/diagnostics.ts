// API validation errors → editor diagnostics at the right line, plus those that are not
// about the compose text (the stack name, a variable…), shown above the editor.
import type { FieldError } from '../api/client';
import { locate } from './yamlPath';

export interface PlacedError {
  from: number;
  to: number;
  line: number;
  path: string;
  message: string;
}

const REQUEST_FIELDS = new Set(['name', 'comment', 'variables', 'parent_version', 'body']);

function lineStart(text: string, line: number): number {
  let offset = 0;
  for (let i = 1; i < line; i++) {
    const next = text.indexOf('\n', offset);
    if (next < 0) return text.length;
    offset = next + 1;
  }
  return offset;
}

function lineEnd(text: string, from: number): number {
  const end = text.indexOf('\n', from);
  return end < 0 ? text.length : end;
}

export function placeErrors(text: string, errors: FieldError[]): { placed: PlacedError[]; general: FieldError[] } {
  const placed: PlacedError[] = [];
  const general: FieldError[] = [];
  for (const error of errors) {
    const head = error.path.split(/[.[]/, 1)[0] ?? '';
    if (error.path === '' || error.path === 'compose') {
      // A YAML syntax error says where: "…line 3, column 5" (the last mark is the problem).
      const marks = [...error.message.matchAll(/line (\d+), column (\d+)/g)];
      const mark = marks[marks.length - 1];
      if (mark) {
        const line = Number(mark[1]);
        const from = Math.min(lineStart(text, line) + Number(mark[2]) - 1, text.length);
        placed.push({ from, to: lineEnd(text, from), line, path: error.path, message: error.message });
      } else {
        general.push(error);
      }
      continue;
    }
    if (REQUEST_FIELDS.has(head)) {
      general.push(error);
      continue;
    }
    const spot = locate(text, error.path);
    if (!spot) {
      general.push(error);
      continue;
    }
    const to = spot.to > spot.from ? spot.to : lineEnd(text, spot.from);
    placed.push({
      from: spot.from,
      to,
      line: spot.line,
      path: error.path,
      message: `${error.path}: ${error.message}`,
    });
  }
  return { placed, general };
}

/** One problem the validate endpoint found while the user types (line and column 1-based). */
export interface LiveIssue {
  path: string;
  message: string;
  kind: 'schema' | 'semantic' | 'policy';
  rule?: string | null;
  line: number | null;
  column: number | null;
}

/** The validate endpoint's issues → editor diagnostics: at the line the server found, else
 * where the path leads in the text; issues about no place of the text are left out (the
 * form shows them when it is submitted). */
export function placeIssues(text: string, issues: LiveIssue[]): PlacedError[] {
  const placed: PlacedError[] = [];
  for (const issue of issues) {
    const label = issue.kind === 'policy' ? `policy (${issue.rule ?? 'rule'})` : issue.kind;
    const message = `${label}: ${issue.path ? `${issue.path}: ` : ''}${issue.message}`;
    if (issue.line !== null) {
      const start = lineStart(text, issue.line);
      const from = Math.min(start + Math.max((issue.column ?? 1) - 1, 0), text.length);
      placed.push({ from, to: lineEnd(text, from), line: issue.line, path: issue.path, message });
      continue;
    }
    const [spot] = placeErrors(text, [{ path: issue.path, message }]).placed;
    if (spot) placed.push({ ...spot, message });
  }
  return placed;
}
