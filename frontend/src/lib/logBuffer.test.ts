import { describe, expect, it } from 'vitest';
import { append, asText, filterLines, type ShownLine } from './logBuffer';

const line = (n: number, stream: 'stdout' | 'stderr', text: string): ShownLine => ({ n, stream, line: text });

describe('log buffer', () => {
  it('keeps the newest lines only', () => {
    const lines = append([line(1, 'stdout', 'a'), line(2, 'stdout', 'b')], [line(3, 'stderr', 'c')], 2);
    expect(lines.map((l) => l.n)).toEqual([2, 3]);
  });

  it('filters by text and stream', () => {
    const lines = [line(1, 'stdout', 'GET /'), line(2, 'stderr', 'error: get lost'), line(3, 'stdout', 'ok')];
    expect(filterLines(lines, 'get', 'all').map((l) => l.n)).toEqual([1, 2]);
    expect(filterLines(lines, 'get', 'stderr').map((l) => l.n)).toEqual([2]);
    expect(filterLines(lines, '', 'stdout').map((l) => l.n)).toEqual([1, 3]);
  });

  it('writes a downloadable text', () => {
    expect(asText([{ n: 1, stream: 'stderr', line: 'x', time: 'T' }])).toBe('T stderr x\n');
  });
});
