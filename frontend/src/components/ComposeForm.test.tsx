import { afterEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { ApiError } from '../api/client';
import { renderWith, stubFetch } from '../test/render';

// CodeMirror needs a real layout engine; a textarea stands in for it here (the e2e test
// drives the real editor). The stand-in shows the diagnostics it is given.
vi.mock('./editor', () => ({
  YamlEditor: (props: {
    value: string;
    onChange: (v: string) => void;
    diagnostics?: { from: number; message: string }[];
    images?: readonly string[];
  }) => (
    <div data-testid="editor" data-images={(props.images ?? []).join(' ')}>
      <textarea aria-label="yaml" value={props.value} onChange={(e) => props.onChange(e.currentTarget.value)} />
      {(props.diagnostics ?? []).map((d, i) => (
        <span key={i} data-testid="diagnostic" data-from={d.from}>
          {d.message}
        </span>
      ))}
    </div>
  ),
}));

const { ComposeForm, parseVariables } = await import('./ComposeForm');

afterEach(() => vi.unstubAllGlobals());

const TEXT = 'services:\n  web:\n    image: x\n    ports: ["99999:80"]\n';

describe('ComposeForm', () => {
  it('puts each API validation error on its line', async () => {
    const onSubmit = vi.fn().mockRejectedValue(
      new ApiError(422, {
        title: 'Validation failed',
        errors: [
          { path: 'services.web.ports[0]', message: 'port out of range' },
          { path: 'name', message: 'name taken' },
        ],
      }),
    );
    renderWith(<ComposeForm initialCompose={TEXT} submitLabel="Create" onSubmit={onSubmit} />);
    fireEvent.click(screen.getByRole('button', { name: 'Create' }));
    const errors = await screen.findAllByTestId('validation-error');
    expect(errors[0]).toHaveAttribute('data-line', '4');
    expect(errors[0]).toHaveTextContent('Line 4');
    expect(errors[1]).toHaveTextContent('name: name taken');
    const diagnostic = screen.getByTestId('diagnostic');
    expect(Number(diagnostic.dataset.from)).toBe(TEXT.indexOf('"99999:80"'));
  });

  it('drops stale markers once the text changes, and submits the new text', async () => {
    const onSubmit = vi
      .fn()
      .mockRejectedValueOnce(new ApiError(422, { title: 'Validation failed', errors: [{ path: 'services.web.ports[0]', message: 'bad' }] }))
      .mockResolvedValueOnce(undefined);
    renderWith(<ComposeForm initialCompose={TEXT} submitLabel="Create" onSubmit={onSubmit} />);
    fireEvent.click(screen.getByRole('button', { name: 'Create' }));
    await screen.findByTestId('diagnostic');
    const fixed = TEXT.replace('99999', '8080');
    fireEvent.change(screen.getByLabelText('yaml'), { target: { value: fixed } });
    expect(screen.queryByTestId('diagnostic')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Create' }));
    await waitFor(() => expect(onSubmit).toHaveBeenCalledTimes(2));
    expect(onSubmit.mock.calls[1][0].compose).toBe(fixed);
    await waitFor(() => expect(screen.queryByTestId('compose-errors')).toBeNull());
  });

  it("offers the engine's local images to the editor", async () => {
    const image = (reference: string) => ({ reference, id: `sha256:${reference.length}`, size: 1, created: '2026-01-01T00:00:00Z' });
    const { fetchStub } = stubFetch({ 'GET /api/v1/images': [image('coremon/demo-web:1'), image('redis:7')] });
    vi.stubGlobal('fetch', fetchStub);
    renderWith(<ComposeForm initialCompose={TEXT} submitLabel="Create" onSubmit={vi.fn()} />);
    await waitFor(() => expect(screen.getByTestId('editor')).toHaveAttribute('data-images', 'coremon/demo-web:1 redis:7'));
    expect(screen.getByTestId('local-images')).toHaveTextContent('coremon/demo-web:1, redis:7');
  });

  it('reads variables as KEY=value lines', () => {
    expect(parseVariables('A=1\n# note\n\nB = two=2\nC')).toEqual({ A: '1', 'B': ' two=2', C: '' });
  });
});
