import { afterEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { FreezeBanner } from './FreezeBanner';
import { PlanDialog } from '../../components/PlanDialog';
import { renderWith, stubFetch, user } from '../../test/render';
import type { Plan, Stack } from '../../api/queries';

const frozen = { version: 1, by: 'alice', reason: 'v2 broke checkout', at: '2026-12-03T05:00:00Z' };
const stack: Stack = {
  stack_id: 's1',
  host_id: 'local',
  name: 'shop',
  current_version: 1,
  desired_version: 1,
  latest_version: 2,
  status: 'RUNNING',
  created_at: '2026-12-01T00:00:00Z',
  updated_at: '2026-12-03T05:00:00Z',
  frozen,
};
const plan: Plan = { stack: 'shop', version: 2, warnings: [], steps: [] };

afterEach(() => vi.unstubAllGlobals());

describe('FreezeBanner', () => {
  it('says who froze the stack and why, and unfreezes it', async () => {
    const { fetchStub, calls } = stubFetch({
      'POST /api/v1/stacks/shop/unfreeze': { atomic: false, atomic_timeout_seconds: 300, frozen: null },
    });
    vi.stubGlobal('fetch', fetchStub);
    renderWith(<FreezeBanner stack={stack} />);
    const banner = screen.getByTestId('freeze-banner');
    expect(banner).toHaveTextContent('Frozen at v1');
    expect(banner).toHaveTextContent('Rolled back by alice');
    expect(banner).toHaveTextContent('v2 broke checkout');
    fireEvent.click(screen.getByTestId('unfreeze'));
    await waitFor(() => expect(calls.some((c) => c.path === '/api/v1/stacks/shop/unfreeze')).toBe(true));
  });

  it('shows nothing for a stack that is not frozen', () => {
    renderWith(<FreezeBanner stack={{ ...stack, frozen: null }} />);
    expect(screen.queryByTestId('freeze-banner')).toBeNull();
  });

  it('offers no unfreeze to a viewer', () => {
    renderWith(<FreezeBanner stack={stack} />, { me: user('viewer') });
    expect(screen.getByTestId('freeze-banner')).toBeInTheDocument();
    expect(screen.queryByTestId('unfreeze')).toBeNull();
  });
});

describe('PlanDialog on a frozen stack', () => {
  it('warns, and applies another version only once force is ticked', async () => {
    const { fetchStub, calls } = stubFetch({
      'GET /api/v1/stacks/shop/plan/2': plan,
      'GET /api/v1/stacks/shop': stack,
      'POST /api/v1/stacks/shop/apply/2': { command_id: 'c1', seq: 1, status: 'PENDING', location: '/api/v1/commands/c1' },
    });
    vi.stubGlobal('fetch', fetchStub);
    renderWith(<PlanDialog target={{ stack: 'shop', version: 2, rollback: false }} onClose={() => undefined} />);
    const warning = await screen.findByTestId('frozen-warning');
    expect(warning).toHaveTextContent('frozen at v1');
    expect(warning).toHaveTextContent('v2 broke checkout');
    await screen.findByTestId('plan-preview');
    expect(screen.getByTestId('confirm-plan')).toBeDisabled();
    fireEvent.click(screen.getByTestId('force-apply'));
    expect(screen.getByTestId('confirm-plan')).toBeEnabled();
    fireEvent.click(screen.getByTestId('confirm-plan'));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true));
    const post = calls.find((c) => c.method === 'POST')!;
    expect(JSON.parse(post.body ?? '{}')).toEqual({ force: true });
  });

  it('does not stand in the way of a rollback', async () => {
    const { fetchStub } = stubFetch({ 'GET /api/v1/stacks/shop/plan/2': plan, 'GET /api/v1/stacks/shop': stack });
    vi.stubGlobal('fetch', fetchStub);
    renderWith(<PlanDialog target={{ stack: 'shop', version: 2, rollback: true }} onClose={() => undefined} />);
    await screen.findByTestId('plan-preview');
    expect(screen.queryByTestId('frozen-warning')).toBeNull();
    expect(screen.getByTestId('confirm-plan')).toBeEnabled();
  });
});
