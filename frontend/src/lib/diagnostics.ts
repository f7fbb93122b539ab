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
