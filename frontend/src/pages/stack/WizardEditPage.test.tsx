// Edit with the wizard / Upgrade: the recorded choices come back, the preview and the hand
// edits a re-render would overwrite show before anything is created, and only what changed
// is sent; then the diff and the overwritten edits.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes } from 'react-router-dom';
import { renderWith, stubFetch } from '../../test/render';
import type { Stack } from '../../api/queries';
import type { Provenance, ReRendered, Resolution } from '../../api/wizard';

vi.mock('../../components/editor', () => ({
  YamlMerge: (props: { left: string; right: string }) => (
    <div data-testid="merge">
      <pre data-testid="merge-left">{props.left}</pre>
      <pre data-testid="merge-right">{props.right}</pre>
    </div>
  ),
  YamlEditor: () => null,
}));

const { default: WizardEditPage } = await import('./WizardEditPage');
const { WizardActions } = await import('./WizardActions');

afterEach(() => vi.unstubAllGlobals());
vi.setConfig({ testTimeout: 20_000 });

const STACK = {
  stack_id: 'st-1', name: 'shop', status: 'RUNNING', current_version: 2, desired_version: 2, latest_version: 2,
  created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z',
} as Stack;

const PROV: Provenance = {
  catalog_digest: 'sha256:old',
  selection: [{ component: 'java-app' }, { component: 'postgresql', version: '15.8.0' }],
  answers: { postgresql: { user: 'app', password: '********' }, 'java-app': { context_path: '/app' } },
  components: [
    { component: 'java-app', version: '1.0.0', added_because: null },
    { component: 'postgresql', version: '15.8.0', added_because: null },
  ],
  upgrades: [{ component: 'postgresql', from: '15.8.0', to: '16.4.0' }],
  hand_edits: [{ path: 'services.db.environment.TZ', message: 'set by hand in version 2' }],
};

const schema = (properties: Record<string, unknown>) => ({
  catalog_digest: 'd', id: 'x', title: 'x', description: '', category: 'c', icon: 'i',
  versions: [{ version: '1.0.0', images: [], parameters: { type: 'object', properties }, provides: [], requires: [], conflicts: [], claims: [], deploy: null }],
});

const RESOLUTION: Resolution = {
  components: PROV.components!, violations: [], suggestions: [], compose: 'services:\n  db:\n    image: postgres:16\n',
  variables: [], catalog_digest: 'sha256:new',
};

const DONE: ReRendered = {
  stack_id: 'st-1', version: 3,
  diff: {
    from_version: 2, to_version: 3, unified: '', networks: [], volumes: [], files: [],
    services: [{ service: 'db', change: 'changed', fields: [{ path: 'image', before: 'postgres:15', after: 'postgres:16' }] }],
  } as unknown as ReRendered['diff'],
  overwritten_edits: [{ path: 'services.db.environment.TZ', message: 'set by hand in version 2' }],
};

function api() {
  return stubFetch({
    'GET /api/v1/stacks/st-1/wizard': PROV,
    'GET /api/v1/stacks/shop/versions/2': { version: 2, compose: 'services:\n  db:\n    image: postgres:15\n', comment: '' },
    'GET /api/v1/catalog': { catalog_digest: 'd', items: [] },
    'GET /api/v1/catalog/postgresql': schema({ user: { type: 'string', title: 'Database user' }, password: { type: 'string', title: 'Database password', secret: true } }),
    'GET /api/v1/catalog/java-app': schema({ context_path: { type: 'string', title: 'Context path' } }),
    'POST /api/v1/wizard/resolve': RESOLUTION,
    'POST /api/v1/stacks/st-1/wizard': () => new Response(JSON.stringify(DONE), { status: 201, headers: { 'Content-Type': 'application/json' } }),
  });
}

const posted = (calls: { method: string; path: string; body: string | null }[]) =>
  calls.filter((c) => c.method === 'POST' && c.path === '/api/v1/stacks/st-1/wizard').map((c) => JSON.parse(c.body ?? '{}'));

describe('WizardActions', () => {
  it('offers the wizard and marks an available upgrade on a stack the wizard made', async () => {
    vi.stubGlobal('fetch', api().fetchStub);
    renderWith(<WizardActions stack={STACK} />);
    expect(await screen.findByRole('button', { name: 'Edit with the wizard' })).toBeInTheDocument();
    expect(screen.getByTestId('upgrade-available')).toHaveTextContent('upgrade available');
    expect(screen.getByRole('button', { name: 'Upgrade' })).toBeInTheDocument();
  });

  it('shows nothing on a stack written by hand', async () => {
    const { fetchStub, calls } = stubFetch({});
    vi.stubGlobal('fetch', fetchStub);
    const { container } = renderWith(<WizardActions stack={STACK} />);
    await waitFor(() => expect(calls.some((c) => c.path === '/api/v1/stacks/st-1/wizard')).toBe(true));
    expect(container.querySelector('button')).toBeNull();
  });
});

describe('Upgrade', () => {
  it('lists the upgrades, previews them with the hand edits, then shows the diff', async () => {
    const { fetchStub, calls } = api();
    vi.stubGlobal('fetch', fetchStub);
    renderWith(<Routes><Route path="/stacks/shop/wizard" element={<WizardEditPage stack={STACK} />} /></Routes>, { route: '/stacks/shop/wizard?upgrade=1' });
    expect(await screen.findByTestId('upgrade')).toHaveTextContent('postgresql15.8.016.4.0');
    expect(screen.getByTestId('hand-edits')).toHaveTextContent('services.db.environment.TZ: set by hand in version 2');
    expect(await screen.findByTestId('merge-right', {}, { timeout: 3000 })).toHaveTextContent('postgres:16');
    expect(screen.getByTestId('merge-left')).toHaveTextContent('postgres:15');
    const preview = calls.find((c) => c.path === '/api/v1/wizard/resolve');
    expect(JSON.parse(preview?.body ?? '{}').selection).toEqual([{ component: 'java-app' }, { component: 'postgresql', version: '16.4.0' }]);
    expect(posted(calls)).toEqual([]); // nothing created before the user says so
    await waitFor(() => expect(screen.getByTestId('rerender-create')).toBeEnabled(), { timeout: 3000 });
    const last = JSON.parse(calls.filter((c) => c.path === '/api/v1/wizard/resolve').at(-1)?.body ?? '{}');
    expect(last.answers.postgresql).toEqual({ user: 'app' }); // the masked secret stays on the server
    await userEvent.click(screen.getByTestId('rerender-create'));
    expect(await screen.findByTestId('rerender-result')).toHaveTextContent('Version 3 created');
    expect(posted(calls)).toEqual([{ upgrade: true, parent: 2 }]);
    expect(screen.getByTestId('structured-diff')).toHaveTextContent('postgres:16');
    expect(screen.getByTestId('hand-edits')).toHaveTextContent('Hand edits this version overwrote');
  });
});

describe('Edit with the wizard', () => {
  it('starts from the recorded answers and sends only what changed (never the masked secret)', async () => {
    const { fetchStub, calls } = api();
    vi.stubGlobal('fetch', fetchStub);
    renderWith(<Routes><Route path="/stacks/shop/wizard" element={<WizardEditPage stack={STACK} />} /></Routes>, { route: '/stacks/shop/wizard' });
    await screen.findByTestId('rule-feedback', {}, { timeout: 3000 });
    await userEvent.click(screen.getByTestId('wizard-next'));
    const user = await screen.findByLabelText(/Database user/);
    expect(user).toHaveValue('app');
    fireEvent.change(user, { target: { value: 'shop' } });
    await userEvent.click(screen.getByTestId('wizard-next'));
    expect(await screen.findByTestId('hand-edits')).toHaveTextContent('overwrites these hand edits');
    await waitFor(() => expect(screen.getByTestId('rerender-create')).toBeEnabled(), { timeout: 3000 });
    const lastResolve = () => JSON.parse(calls.filter((c) => c.path === '/api/v1/wizard/resolve').at(-1)?.body ?? '{}');
    // the preview is rendered from the edited answers, without the masked secret
    await waitFor(() => expect(lastResolve().answers.postgresql).toEqual({ user: 'shop' }), { timeout: 3000 });
    await userEvent.click(screen.getByTestId('rerender-create'));
    expect(await screen.findByTestId('rerender-result')).toBeInTheDocument();
    expect(posted(calls)).toEqual([{ answers: { postgresql: { user: 'shop' } }, parent: 2 }]);
  });
});
