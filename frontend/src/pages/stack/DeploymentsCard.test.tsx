import { afterEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor } from '@testing-library/react';
import { DeploymentsCard } from './DeploymentsCard';
import { renderWith, stubFetch, user } from '../../test/render';

const T0 = '2026-01-01T10:00:00Z';
const stack = { stack_id: 's1', name: 'shop', current_version: 1, desired_version: 1, latest_version: 1, status: 'RUNNING' as const, host_id: 'local', created_at: T0, updated_at: T0 };
const current = {
  deployment_id: 'd1', stack_id: 's1', service: 'app', path: '/shop', artifact: 'c'.repeat(64), artifact_filename: 'shop.war',
  status: 'DEPLOYED', requested_by: 'olga', requested_at: T0, finished_at: T0, command_id: 'c1', previous: null,
  message: null, health: 'HTTP 200', comment: null, current: true,
};

afterEach(() => vi.unstubAllGlobals());

describe('DeploymentsCard', () => {
  it("shows each middleware service's current deployment and links to the Deployments page", async () => {
    vi.stubGlobal('fetch', stubFetch({
      'GET /api/v1/stacks/shop/deploy-targets': [
        { service: 'app', kind: 'tomcat', settings: {}, current: [current] },
        { service: 'web', kind: 'nginx', settings: {}, current: [] },
      ],
    }).fetchStub);
    renderWith(<DeploymentsCard stack={stack} />, { me: user('viewer') });
    expect(await screen.findByTestId('current-app')).toHaveTextContent('/shopshop.war');
    expect(screen.getByTestId('stack-target-web')).toHaveTextContent('nothing deployed');
    expect(screen.getByRole('link', { name: 'Deployments of shop' })).toHaveAttribute('href', '/deploy/shop');
  });

  it('is absent for a stack without deploy targets, or a server without the deploy API', async () => {
    const { fetchStub, calls } = stubFetch({});
    vi.stubGlobal('fetch', fetchStub);
    renderWith(<DeploymentsCard stack={stack} />, { me: user('viewer') });
    await waitFor(() => expect(calls).toHaveLength(1));
    expect(screen.queryByTestId('stack-deployments')).toBeNull();
  });
});
