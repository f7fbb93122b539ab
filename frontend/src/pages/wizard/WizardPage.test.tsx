// The wizard's three steps against a stubbed API: live rule feedback while picking, forms
// generated from the parameter schemas (validated by ajv), review, and create + apply.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes } from 'react-router-dom';
import { renderWith, stubFetch } from '../../test/render';
import type { Catalog, ComponentDetail, Resolution } from '../../api/wizard';

vi.mock('../../components/editor', () => ({
  YamlEditor: (props: { value: string; label: string }) => <textarea aria-label={props.label} value={props.value} readOnly />,
}));

const { default: WizardPage } = await import('./WizardPage');

afterEach(() => vi.unstubAllGlobals());
// Mantine, rjsf and the debounced resolve: a full walk through the steps takes seconds in jsdom.
vi.setConfig({ testTimeout: 20_000 });

const item = (id: string, title: string, category: string, versions: string[]) => ({
  id, title, description: `${title} component`, category, icon: id, versions, default_version: versions[0]!,
});

export const CATALOG: Catalog = {
  catalog_digest: 'sha256:abc',
  items: [
    item('nginx', 'nginx', 'proxy', ['1.27.0']),
    item('tomcat', 'Tomcat', 'app-server', ['10.1.0']),
    item('postgres', 'PostgreSQL', 'database', ['16.4.0', '15.8.0']),
    item('java-app', 'Java web application', 'application', ['1.0.0']),
  ],
};

const detail = (id: string, parameters: Record<string, unknown>): ComponentDetail => ({
  catalog_digest: 'sha256:abc', id, title: id, description: '', category: 'x', icon: id,
  versions: [{ version: '1.0.0', images: [], parameters, provides: [], requires: [], conflicts: [], claims: [], deploy: null }],
});

const POSTGRES = detail('postgres', {
  type: 'object',
  required: ['user', 'password'],
  properties: {
    user: { type: 'string', title: 'Database user', minLength: 2, default: 'app' },
    password: { type: 'string', title: 'Database password', secret: true, minLength: 12 },
  },
});
const JAVA_APP = detail('java-app', {
  type: 'object',
  properties: { context: { type: 'string', title: 'Context path', pattern: '^/[a-z]*$', default: '/app' } },
});

const RESOLVED: Resolution = {
  components: [
    { component: 'java-app', version: '1.0.0', added_because: null },
    { component: 'postgres', version: '1.0.0', added_because: 'java-app requires database:postgresql >=15' },
  ],
  violations: [],
  suggestions: [{ capability: 'database', providers: ['postgres', 'mariadb'], default: 'postgres', message: 'PostgreSQL or MariaDB provide database; PostgreSQL is the default' }],
  compose: 'services:\n  app:\n    image: tomcat:10.1\n',
  variables: [
    { name: 'POSTGRES_USER', value: 'app', secret: false },
    { name: 'POSTGRES_PASSWORD', value: null, secret: true },
  ],
  catalog_digest: 'sha256:abc',
};

function api(resolution: (body: { selection: { component: string }[] }) => Resolution = () => RESOLVED) {
  return stubFetch({
    'GET /api/v1/catalog': CATALOG,
    'GET /api/v1/catalog/postgres': POSTGRES,
    'GET /api/v1/catalog/java-app': JAVA_APP,
    'POST /api/v1/wizard/resolve': (init: RequestInit | undefined) => json(resolution(JSON.parse(String(init?.body ?? '{}')))),
  });
}

function json(body: unknown, status = 200) {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

const resolves = (calls: { path: string; body: string | null }[]) =>
  calls.filter((c) => c.path === '/api/v1/wizard/resolve').map((c) => JSON.parse(c.body ?? '{}'));

describe('WizardPage, step 1: the gallery', () => {
  it('filters by search and category', async () => {
    const { fetchStub } = api();
    vi.stubGlobal('fetch', fetchStub);
    renderWith(<WizardPage />);
    expect(await screen.findAllByTestId('catalog-item')).toHaveLength(4);
    fireEvent.change(screen.getByLabelText('Search the catalog'), { target: { value: 'postgre' } });
    expect(screen.getAllByTestId('catalog-item').map((c) => c.dataset.component)).toEqual(['postgres']);
    fireEvent.change(screen.getByLabelText('Search the catalog'), { target: { value: '' } });
    await userEvent.click(screen.getByRole('radio', { name: 'proxy' }));
    expect(screen.getAllByTestId('catalog-item').map((c) => c.dataset.component)).toEqual(['nginx']);
  });

  it('asks the rules engine once per pause and explains what it added', async () => {
    const { fetchStub, calls } = api();
    vi.stubGlobal('fetch', fetchStub);
    renderWith(<WizardPage />);
    await userEvent.click(await screen.findByRole('button', { name: 'Add Java web application' }));
    const reason = await screen.findByTestId('added-because', {}, { timeout: 3000 });
    expect(reason).toHaveTextContent('java-app requires database:postgresql >=15');
    expect(screen.getByTestId('suggestion')).toHaveTextContent('PostgreSQL is the default');
    expect(resolves(calls)).toEqual([{ selection: [{ component: 'java-app' }], answers: {} }]);
  });

  it('sends the chosen version and marks conflicts with the reason and the fix', async () => {
    const { fetchStub, calls } = api((body) =>
      body.selection.length < 2
        ? RESOLVED
        : {
            ...RESOLVED,
            violations: [{ rule: 'conflict', components: ['nginx', 'postgres'], message: 'nginx and PostgreSQL both claim host port 80', fix: 'Change the port of one of them' }],
          },
    );
    vi.stubGlobal('fetch', fetchStub);
    renderWith(<WizardPage />);
    const postgres = (await screen.findAllByTestId('catalog-item')).find((c) => c.dataset.component === 'postgres')!;
    fireEvent.change(within(postgres).getByLabelText('Version of PostgreSQL'), { target: { value: '15.8.0' } });
    await userEvent.click(within(postgres).getByRole('button', { name: 'Add PostgreSQL' }));
    await userEvent.click(screen.getByRole('button', { name: 'Add nginx' }));
    const violation = await screen.findByTestId('violation', {}, { timeout: 3000 });
    expect(violation).toHaveTextContent('both claim host port 80');
    expect(violation).toHaveTextContent('Fix: Change the port of one of them');
    expect(within(postgres).getByRole('status')).toHaveTextContent('both claim host port 80');
    expect(resolves(calls).at(-1)?.selection).toEqual([{ component: 'postgres', version: '15.8.0' }, { component: 'nginx' }]);
  });
});

async function toConfigure() {
  const { fetchStub, calls } = api();
  vi.stubGlobal('fetch', fetchStub);
  renderWith(
    <Routes>
      <Route path="/" element={<WizardPage />} />
      <Route path="/commands/:id" element={<p>command page</p>} />
    </Routes>,
  );
  await userEvent.click(await screen.findByRole('button', { name: 'Add Java web application' }));
  await screen.findByTestId('added-because', {}, { timeout: 3000 });
  await userEvent.click(screen.getByTestId('wizard-next'));
  return { fetchStub, calls };
}

describe('WizardPage, step 2: forms from the parameter schemas', () => {
  it('renders each component, added ones too, with labelled fields and defaults', async () => {
    await toConfigure();
    expect(await screen.findByLabelText(/Context path/)).toHaveValue('/app');
    expect(await screen.findByLabelText(/Database user/)).toHaveValue('app');
    const password = screen.getByLabelText(/Database password/, { selector: 'input' });
    expect(password).toHaveAttribute('type', 'password');
  });

  it('validates with the schema as the user types, and generates secrets', async () => {
    const { calls } = await toConfigure();
    const context = await screen.findByLabelText(/Context path/);
    fireEvent.change(context, { target: { value: 'no-slash' } });
    expect((await screen.findAllByText(/must match pattern/)).length).toBeGreaterThan(0);
    await userEvent.click(screen.getByRole('button', { name: /Generate Database password/ }));
    const value = (screen.getByLabelText(/Database password/, { selector: 'input' }) as HTMLInputElement).value;
    expect(value).toMatch(/^[A-Za-z0-9]{24}$/);
    await waitFor(() => expect(resolves(calls).at(-1)?.answers?.postgres?.password).toBe(value), { timeout: 3000 });
    expect(resolves(calls).at(-1)?.answers?.['java-app']?.context).toBe('no-slash');
  });
});

describe('WizardPage, step 3: review and create', () => {
  it('shows the compose file and hides secret values', async () => {
    await toConfigure();
    await userEvent.click(screen.getByTestId('wizard-next'));
    expect(await screen.findByLabelText('Rendered compose file (read-only)')).toHaveValue(RESOLVED.compose);
    const rows = screen.getAllByTestId('wizard-variable');
    expect(rows[0]).toHaveTextContent('POSTGRES_USERapp');
    expect(rows[1]).toHaveTextContent('secret, hidden');
  });

  it('creates the stack and applies it right away', async () => {
    const { fetchStub, calls } = await toConfigure();
    const routes = fetchStub;
    vi.stubGlobal('fetch', async (input: RequestInfo | URL, init?: RequestInit) => {
      const req = input instanceof Request ? input : new Request(new URL(String(input), 'http://localhost'), init);
      const path = new URL(req.url).pathname;
      if (req.method === 'POST' && path === '/api/v1/wizard/stacks') {
        calls.push({ method: 'POST', path, headers: req.headers, body: await req.clone().text() });
        return json({ stack_id: 's-1', version: 1 }, 201);
      }
      if (req.method === 'POST' && path === '/api/v1/stacks/shop/apply/1') {
        calls.push({ method: 'POST', path, headers: req.headers, body: null });
        return json({ command_id: 'c-9', seq: 9, status: 'PENDING' }, 202);
      }
      return routes(input, init);
    });
    await userEvent.click(screen.getByTestId('wizard-next'));
    await userEvent.type(await screen.findByLabelText(/Stack name/), 'shop');
    expect(screen.getByLabelText('Apply right away')).toBeChecked();
    await waitFor(() => expect(screen.getByTestId('wizard-create')).toBeEnabled());
    await userEvent.click(screen.getByTestId('wizard-create'));
    expect(await screen.findByText('command page')).toBeInTheDocument();
    const created = calls.find((c) => c.path === '/api/v1/wizard/stacks');
    expect(JSON.parse(created?.body ?? '{}')).toMatchObject({ name: 'shop', selection: [{ component: 'java-app' }] });
    expect(calls.some((c) => c.path === '/api/v1/stacks/shop/apply/1')).toBe(true);
  });

  it('shows the violations of a refused create', async () => {
    const { fetchStub } = await toConfigure();
    vi.stubGlobal('fetch', async (input: RequestInfo | URL, init?: RequestInit) => {
      const req = input instanceof Request ? input : new Request(new URL(String(input), 'http://localhost'), init);
      if (new URL(req.url).pathname === '/api/v1/wizard/stacks') {
        return json({ title: 'Unprocessable', status: 422, violations: [{ rule: 'name', components: [], message: 'a stack named shop exists', fix: 'Pick another name' }] }, 422);
      }
      return fetchStub(input, init);
    });
    await userEvent.click(screen.getByTestId('wizard-next'));
    await userEvent.type(await screen.findByLabelText(/Stack name/), 'shop');
    await waitFor(() => expect(screen.getByTestId('wizard-create')).toBeEnabled(), { timeout: 3000 });
    await userEvent.click(screen.getByTestId('wizard-create'));
    expect(await screen.findByTestId('create-refused')).toHaveTextContent('a stack named shop exists Pick another name');
  });
});
