import { afterEach, describe, expect, it, vi } from 'vitest';
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes } from 'react-router-dom';
import DeploymentsPage from './DeploymentsPage';
import { FakeEventSource } from '../../test/fakeXhr';
import { renderWith, stubFetch, user } from '../../test/render';

const T0 = '2026-01-01T10:00:00Z';
const stack = { stack_id: 's1', name: 'shop', current_version: 1, desired_version: 1, latest_version: 1, status: 'RUNNING', created_at: T0, updated_at: T0 };
const sha = (c: string) => c.repeat(64);
const artifact = (c: string, filename: string, kind: string) => ({
  sha256: sha(c), kind, filename, size: 1024, uploaded_by: 'olga', uploaded_at: T0, in_use: true,
});
const deployment = (id: string, c: string, filename: string, status: string, extra: object = {}) => ({
  deployment_id: id, stack_id: 's1', service: 'web', path: 'default', artifact: sha(c), artifact_filename: filename,
  status, requested_by: 'olga', requested_at: T0, finished_at: T0, command_id: `c-${id}`, previous: null,
  message: null, health: null, comment: null, current: false, ...extra,
});
const v2 = deployment('d2', '2', 'site-v2.tar.gz', 'DEPLOYED', { current: true, health: 'HTTP 200 in 12 ms', previous: 'd1' });
const broken = deployment('d3', '3', 'site-broken.tar.gz', 'FAILED', { message: 'nginx -t: unknown directive "oops"' });
const v1 = deployment('d1', '1', 'site-v1.tar.gz', 'SUPERSEDED');
const accepted = { command_id: 'cmd-9', seq: 9, status: 'PENDING', location: '/api/v1/commands/cmd-9' };
const command = { command_id: 'cmd-9', seq: 9, stack_id: 's1', type: 'DEPLOY', payload: {}, status: 'RUNNING', attempts: 1, requested_by: 'a-operator', cancel_requested: false, error: null, created_at: T0, started_at: T0, finished_at: null, updated_at: T0 };

function serve(extra: Record<string, unknown> = {}) {
  const stub = stubFetch({
    'GET /api/v1/stacks': { items: [stack], total: 1, limit: 500, offset: 0 },
    'GET /api/v1/stacks/shop/deploy-targets': [
      { service: 'web', kind: 'nginx', settings: { port: 80 }, current: [v2] },
      { service: 'app', kind: 'tomcat', settings: { port: 8080 }, current: [] },
    ],
    'GET /api/v1/artifacts': {
      items: [artifact('1', 'site-v1.tar.gz', 'static'), artifact('2', 'site-v2.tar.gz', 'static'), artifact('4', 'shop.war', 'war')],
      total: 3, limit: 200, offset: 0,
    },
    'GET /api/v1/stacks/shop/deployments': (_init: RequestInit | undefined, req: Request) => {
      const service = new URL(req.url).searchParams.get('service');
      const items = service === 'web' ? [v2, broken, v1] : [];
      return Response.json({ items, total: items.length, limit: 50, offset: 0 });
    },
    'GET /api/v1/commands/cmd-9': command,
    ...extra,
  });
  vi.stubGlobal('fetch', stub.fetchStub);
  vi.stubGlobal('EventSource', FakeEventSource);
  return stub;
}

function renderPage(me = user('viewer', { s1: 'operator' })) {
  return renderWith(
    <Routes>
      <Route path="/deploy" element={<DeploymentsPage />} />
      <Route path="/deploy/:name" element={<DeploymentsPage />} />
    </Routes>,
    { me, route: '/deploy/shop' },
  );
}

afterEach(() => {
  vi.unstubAllGlobals();
  FakeEventSource.opened = [];
});

// Whole pages with Mantine in jsdom: seconds each on a loaded 2-core machine.
describe('DeploymentsPage', { timeout: 30_000 }, () => {
  it('shows per target what it serves and its history, with the failure message', async () => {
    serve();
    renderPage();
    const web = within(await screen.findByTestId('target-web'));
    expect(web.getByTestId('current-web')).toHaveTextContent('site-v2.tar.gz');
    expect(web.getByTestId('current-web')).toHaveTextContent('222222222222');
    expect(web.getByTestId('current-web')).toHaveTextContent('by olga');
    expect(web.getByTestId('current-web')).toHaveTextContent('HTTP 200 in 12 ms');
    const rows = await web.findAllByTestId('deployment-row');
    expect(rows.map((r) => r.getAttribute('data-status'))).toEqual(['DEPLOYED', 'FAILED', 'SUPERSEDED']);
    expect(within(rows[0]!).getByText('current')).toBeInTheDocument();
    expect(within(rows[1]!).getByTestId('deployment-message')).toHaveTextContent('unknown directive "oops"');
    // the current one is not offered again; every earlier one is
    expect(within(rows[0]!).queryByRole('button', { name: /Redeploy/ })).toBeNull();
    expect(within(rows[2]!).getByRole('button', { name: 'Redeploy site-v1.tar.gz to default' })).toBeEnabled();
    expect(screen.getByTestId('current-none-app')).toHaveTextContent('Nothing deployed yet');
    expect(screen.getByLabelText('Stack')).toHaveValue('shop');
  });

  it('deploys: services are the deploy targets, artifacts those that fit; then the live log', async () => {
    const { calls } = serve({ 'POST /api/v1/stacks/shop/deploy': () => Response.json(accepted, { status: 202 }) });
    renderPage();
    const service = await screen.findByRole('combobox', { name: /^Service/ });
    expect(within(service).getAllByRole('option').map((o) => o.textContent)).toEqual(['web (nginx)', 'app (tomcat)']);
    const artifactSelect = screen.getByRole('combobox', { name: /^Artifact/ });
    await waitFor(() => expect(within(artifactSelect).getAllByRole('option')).toHaveLength(3));
    expect(within(artifactSelect).queryByText(/shop\.war/)).toBeNull();
    await userEvent.selectOptions(artifactSelect, sha('1'));
    expect(screen.getByLabelText('Path')).toHaveAttribute('placeholder', 'default');
    fireEvent.change(screen.getByLabelText('Comment'), { target: { value: 'spring sale' } });
    await userEvent.click(screen.getByRole('button', { name: 'Deploy' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true));
    const post = calls.find((c) => c.method === 'POST')!;
    expect(JSON.parse(post.body!)).toEqual({ service: 'web', artifact: sha('1'), path: null, comment: 'spring sale' });
    expect(post.headers.get('Idempotency-Key')).toBeTruthy();
    // the queued command's log, live
    const panel = await screen.findByTestId('command-panel');
    expect(panel).toHaveTextContent('Deploying site-v1.tar.gz to web');
    await waitFor(() => expect(FakeEventSource.opened).toHaveLength(1));
    expect(FakeEventSource.opened[0]!.url).toContain('/api/v1/commands/cmd-9/logs?follow=1');
    act(() => FakeEventSource.opened[0]!.send('log', { id: 1, time: T0, level: 'info', message: 'release unpacked', attempt: 1 }));
    expect(await within(panel).findByText('release unpacked')).toBeInTheDocument();
    // a WAR fits the Tomcat service only
    await userEvent.selectOptions(service, 'app');
    expect(within(screen.getByRole('combobox', { name: /^Artifact/ })).getByText(/shop\.war/)).toBeInTheDocument();
  });

  it("shows the server's refusal on the field it names", async () => {
    serve({
      'POST /api/v1/stacks/shop/deploy': () =>
        Response.json(
          { title: 'Invalid deploy', detail: 'artifact: a static site cannot go into tomcat', errors: [{ path: 'artifact', message: 'a static site cannot go into tomcat' }] },
          { status: 422 },
        ),
    });
    renderPage();
    const artifactSelect = await screen.findByRole('combobox', { name: /^Artifact/ });
    await waitFor(() => expect(within(artifactSelect).getAllByRole('option')).toHaveLength(3));
    await userEvent.selectOptions(artifactSelect, sha('2'));
    await userEvent.click(screen.getByRole('button', { name: 'Deploy' }));
    expect(await screen.findByText('a static site cannot go into tomcat')).toBeInTheDocument();
    expect(artifactSelect).toHaveAttribute('aria-invalid', 'true');
  });

  it('redeploys an earlier deployment after a confirmation naming what will be served', async () => {
    const { calls } = serve({ 'POST /api/v1/stacks/shop/deployments/d1/redeploy': () => Response.json(accepted, { status: 202 }) });
    renderPage();
    await userEvent.click(await screen.findByRole('button', { name: 'Redeploy site-v1.tar.gz to default' }));
    const dialog = await screen.findByRole('dialog', { name: 'Redeploy site-v1.tar.gz?' });
    expect(within(dialog).getByTestId('redeploy-summary')).toHaveTextContent(
      'web will serve site-v1.tar.gz (sha256 111111111111) at default, replacing site-v2.tar.gz (sha256 222222222222).',
    );
    expect(calls.some((c) => c.method === 'POST')).toBe(false);
    fireEvent.change(within(dialog).getByLabelText('Comment'), { target: { value: 'v2 breaks checkout' } });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Redeploy' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true));
    const post = calls.find((c) => c.method === 'POST')!;
    expect(post.path).toBe('/api/v1/stacks/shop/deployments/d1/redeploy');
    expect(JSON.parse(post.body!)).toEqual({ comment: 'v2 breaks checkout' });
    expect(await screen.findByTestId('command-panel')).toHaveTextContent('Redeploying site-v1.tar.gz to web');
  });

  it('offers a viewer no deploy', async () => {
    serve();
    renderPage(user('viewer'));
    await screen.findByTestId('target-web');
    expect(screen.queryByRole('button', { name: 'Deploy' })).toBeNull();
    expect(screen.queryByRole('button', { name: /Redeploy/ })).toBeNull();
  });
});
