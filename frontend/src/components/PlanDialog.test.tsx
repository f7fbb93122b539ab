import { afterEach, describe, expect, it, vi } from 'vitest';
import { screen } from '@testing-library/react';
import { PlanDialog, byLayer } from './PlanDialog';
import { renderWith, stubFetch } from '../test/render';
import type { Plan } from '../api/queries';

const details = { fields: [], dependents: [], files: [] };
const plan: Plan = {
  stack: 'shop',
  version: 1,
  warnings: [{ service: 'web', path: 'services.web.develop', message: 'not applied here' }],
  steps: [
    { kind: 'pull_image', target: 'busybox:1', cause: 'missing', reason: 'image missing', details },
    { kind: 'remove_container', target: 'shop-old-1', service: 'old', number: 1, layer: null, joins: [], cause: 'orphan', reason: 'orphan', details },
    { kind: 'create_container', target: 'shop-db-1', service: 'db', number: 1, layer: 0, joins: [], cause: 'missing', reason: 'missing', details },
    { kind: 'start_container', target: 'shop-db-1', service: 'db', number: 1, layer: 0, joins: [], cause: 'created', reason: 'created', details },
    {
      kind: 'wait',
      target: 'db',
      service: 'db',
      condition: 'service_healthy',
      layer: 0,
      required: true,
      cause: 'dependency_condition',
      reason: 'service_healthy required by web',
      details: { ...details, dependents: ['web'] },
    },
    {
      kind: 'wait',
      target: 'db',
      service: 'db',
      condition: 'service_started',
      layer: 0,
      required: false,
      cause: 'dependency_condition',
      reason: 'service_started required by web',
      details: { ...details, dependents: ['web'] },
    },
    { kind: 'create_container', target: 'shop-web-1', service: 'web', number: 1, layer: 1, joins: [], cause: 'missing', reason: 'missing', details },
  ],
};

afterEach(() => vi.unstubAllGlobals());

describe('PlanDialog', () => {
  it('groups the steps by layer in the order they run', () => {
    const groups = byLayer(plan.steps);
    expect(groups.map((g) => [g.layer, g.steps.map((s) => s.target)])).toEqual([
      [null, ['busybox:1', 'shop-old-1']],
      [0, ['shop-db-1', 'shop-db-1', 'db', 'db']],
      [1, ['shop-web-1']],
    ]);
  });

  it('shows a heading per layer, then its steps, waits included', async () => {
    const { fetchStub } = stubFetch({ 'GET /api/v1/stacks/shop/plan/1': plan });
    vi.stubGlobal('fetch', fetchStub);
    renderWith(<PlanDialog target={{ stack: 'shop', version: 1, rollback: false }} onClose={() => undefined} />);
    await screen.findByTestId('plan-steps');
    const rows = screen.getAllByRole('row').filter((r) => r.dataset.testid?.startsWith('plan-'));
    expect(rows.map((r) => (r.dataset.testid === 'plan-layer' ? `# ${r.textContent}` : r.dataset.cause))).toEqual([
      '# Images, networks, volumes, removals',
      'missing',
      'orphan',
      '# Layer 0',
      'missing',
      'created',
      'dependency_condition',
      'dependency_condition',
      '# Layer 1',
      'missing',
    ]);
    expect(screen.getByText('wait until healthy')).toBeInTheDocument();
    expect(screen.getByText('wait until started (optional)')).toBeInTheDocument();
    // what the plan accepts but this engine does not apply as written is said, not dropped
    expect(screen.getByTestId('plan-warnings')).toHaveTextContent('services.web.develop: not applied here');
  });
});
