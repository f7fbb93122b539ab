// The New-stack editor checks the text as the user types: one POST /stacks/validate per
// pause (debounced), each error shown as a diagnostic at the line the server gave.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { renderWith, stubFetch } from '../test/render';

// CodeMirror needs a real layout engine; a textarea stands in for it (it shows the
// diagnostics it is given, as ComposeForm.test.tsx does).
vi.mock('../components/editor', () => ({
  YamlEditor: (props: { value: string; onChange: (v: string) => void; diagnostics?: { from: number; message: string }[] }) => (
    <div>
      <textarea aria-label="yaml" value={props.value} onChange={(e) => props.onChange(e.currentTarget.value)} />
      {(props.diagnostics ?? []).map((d, i) => (
        <span key={i} data-testid="diagnostic" data-from={d.from}>
          {d.message}
        </span>
      ))}
    </div>
  ),
}));

const { default: NewStackPage } = await import('./NewStackPage');

afterEach(() => vi.unstubAllGlobals());

const TEXT = 'services:\n  web:\n    image: x\n    ports: ["99999:80"]\n  tool:\n    image: busybox\n    privileged: true\n';

describe('NewStackPage live validation', () => {
  it('checks the text once per pause and marks each error at its line', async () => {
    const { fetchStub, calls } = stubFetch({
      'GET /api/v1/images': [],
      'POST /api/v1/stacks/validate': {
        valid: false,
        errors: [
          { path: 'services.web.ports[0]', line: 4, column: 13, message: 'port out of range', kind: 'schema', rule: null },
          { path: 'services.tool.privileged', line: 7, column: 5, message: 'policy privileged: privileged containers', kind: 'policy', rule: 'privileged' },
        ],
      },
    });
    vi.stubGlobal('fetch', fetchStub);
    renderWith(<NewStackPage />);
    const editor = screen.getByLabelText('yaml');
    fireEvent.change(editor, { target: { value: TEXT.slice(0, 20) } });
    fireEvent.change(editor, { target: { value: TEXT } });
    const found = await screen.findAllByTestId('diagnostic', {}, { timeout: 3000 });
    const validates = calls.filter((c) => c.path === '/api/v1/stacks/validate');
    expect(validates).toHaveLength(1); // the first text was replaced before its pause ended
    expect(JSON.parse(validates[0].body ?? '{}')).toMatchObject({ compose: TEXT, variables: {} });
    expect(found).toHaveLength(2);
    expect(Number(found[0].dataset.from)).toBe(TEXT.indexOf('"99999:80"'));
    expect(found[0]).toHaveTextContent('schema: services.web.ports[0]: port out of range');
    expect(Number(found[1].dataset.from)).toBe(TEXT.indexOf('privileged: true'));
    expect(found[1]).toHaveTextContent('policy (privileged)');
  });

  it('drops the markers of an older text as soon as it changes', async () => {
    const { fetchStub } = stubFetch({
      'GET /api/v1/images': [],
      'POST /api/v1/stacks/validate': {
        valid: false,
        errors: [{ path: 'services.web.ports[0]', line: 4, column: 13, message: 'bad', kind: 'schema', rule: null }],
      },
    });
    vi.stubGlobal('fetch', fetchStub);
    renderWith(<NewStackPage />);
    fireEvent.change(screen.getByLabelText('yaml'), { target: { value: TEXT } });
    await screen.findByTestId('diagnostic', {}, { timeout: 3000 });
    fireEvent.change(screen.getByLabelText('yaml'), { target: { value: TEXT + '\n' } });
    await waitFor(() => expect(screen.queryByTestId('diagnostic')).toBeNull());
  });
});
