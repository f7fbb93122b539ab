// With several Docker hosts the New-stack form asks where the stack runs (with one, it does
// not ask), and the create request carries the chosen host.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor } from '@testing-library/react';
import { renderWith, stubFetch, user as userOf } from '../test/render';
import userEvent from '@testing-library/user-event';

vi.mock('../components/editor', () => ({
  YamlEditor: (props: { value: string; onChange: (v: string) => void }) => (
    <textarea aria-label="yaml" value={props.value} onChange={(e) => props.onChange(e.currentTarget.value)} />
  ),
}));

const { default: NewStackPage } = await import('./NewStackPage');

afterEach(() => vi.unstubAllGlobals());

function host(host_id: string, name: string, reachable = true) {
  return { host_id, name, address: `unix:///${name}.sock`, reachable, reason: null, event_stream_connected: reachable, facts: null, stacks: {} };
}

const VALID = { valid: true, errors: [] };

describe('NewStackPage host choice', () => {
  it('does not ask with one host', async () => {
    const { fetchStub, calls } = stubFetch({
      'GET /api/v1/images': [],
      'GET /api/v1/status/hosts': [host('local', 'local')],
      'POST /api/v1/stacks/validate': VALID,
    });
    vi.stubGlobal('fetch', fetchStub);
    renderWith(<NewStackPage />, { me: userOf('operator') });
    await waitFor(() => expect(calls.some((c) => c.path === '/api/v1/status/hosts')).toBe(true));
    expect(screen.queryByTestId('stack-host')).toBeNull();
  });

  it('asks with two and sends the chosen one', async () => {
    const { fetchStub, calls } = stubFetch({
      'GET /api/v1/images': [],
      'GET /api/v1/status/hosts': [host('local', 'local'), host('h-2', 'build-02', false)],
      'POST /api/v1/stacks/validate': VALID,
      'POST /api/v1/stacks': () =>
        new Response(JSON.stringify({ name: 'far', version: 1 }), { status: 201, headers: { 'Content-Type': 'application/json' } }),
    });
    vi.stubGlobal('fetch', fetchStub);
    renderWith(<NewStackPage />, { me: userOf('operator') });
    const select = await screen.findByTestId('stack-host');
    await userEvent.selectOptions(select, 'h-2');
    expect(screen.getByRole('option', { name: 'build-02 (unreachable)' })).toBeInTheDocument();
    await userEvent.type(screen.getByTestId('stack-name'), 'far');
    await userEvent.click(screen.getByRole('button', { name: 'Create stack' }));
    const created = () => calls.filter((c) => c.method === 'POST' && c.path === '/api/v1/stacks');
    await waitFor(() => expect(created()).toHaveLength(1));
    expect(JSON.parse(created()[0].body ?? '{}')).toMatchObject({ name: 'far', host: 'h-2' });
  });
});
