import { describe, expect, it } from 'vitest';
import { placeErrors } from './diagnostics';

const TEXT = 'services:\n  web:\n    image: x\n    ports: ["99999:80"]\n';

describe('placeErrors', () => {
  it('puts compose errors on their line', () => {
    const { placed, general } = placeErrors(TEXT, [{ path: 'services.web.ports[0]', message: 'bad port' }]);
    expect(general).toEqual([]);
    expect(placed).toHaveLength(1);
    expect(placed[0].line).toBe(4);
    expect(TEXT.slice(placed[0].from, placed[0].to)).toBe('"99999:80"');
    expect(placed[0].message).toContain('bad port');
  });

  it('keeps request-field errors apart', () => {
    const { placed, general } = placeErrors(TEXT, [{ path: 'name', message: 'taken' }]);
    expect(placed).toEqual([]);
    expect(general).toEqual([{ path: 'name', message: 'taken' }]);
  });

  it('reads the line of a YAML syntax error from its message', () => {
    const text = 'services:\n  web:\n   image: [x\n';
    const { placed } = placeErrors(text, [
      { path: '', message: 'not valid YAML: while parsing a flow sequence in "<unicode string>", line 3, column 11 expected , or ], but got <stream end> in "<unicode string>", line 4, column 1' },
    ]);
    expect(placed[0].line).toBe(4);
  });
});
