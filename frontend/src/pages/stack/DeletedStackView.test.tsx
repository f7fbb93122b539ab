import { afterEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { Route, Routes } from 'react-router-dom';
import StackPage from './StackPage';
import { DeletedStacks } from '../../components/DeletedStacks';
import { renderWith, stubFetch, user } from '../../test/render';

const gone = {
  stack_id: 'old-id',
  name: 'shop',
  current_version: null,
  desired_version: null,
  latest_version: 2,
  status: 'DELETED',
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-02T00:00:00Z',
  latest_version_author: null,
  latest_version_at: null,
};

const version = (n: number) => ({
  stack_id: 'old-id',
  version: n,
  parent_version: n > 1 ? n - 1 : null,
  author: 'olga',
  comment: '',
  created_at: '2026-01-01T00:00:00Z',
  content_hash: `h${n}`,
});

afterEach(() => vi.unstubAllGlobals());

function page(me = user('operator')) {
  return renderWith(
    <Routes>
      <Route path="/stacks/:name/*" element={<StackPage />} />
    </Routes>,
    { me, route: '/stacks/old-id' },
  );
}

describe('a deleted stack', () => {
  it('is read-only, lists its versions, and restores one under a new name', async () => {
    const { fetchStub, calls } = stubFetch({
      'GET /api/v1/stacks/old-id': gone,
      'GET /api/v1/stacks/old-id/versions': { items: [version(2), version(1)], total: 2, limit: 500, offset: 0 },
      'POST /api/v1/stacks/old-id/restore': { ...gone, stack_id: 'new-id', name: 'shop-2', status: 'NEW', version: 1 },
    });
    vi.stubGlobal('fetch', fetchStub);
    page();
    expect(await screen.findByTestId('deleted-note')).toHaveTextContent('its versions stay in the history');
    expect(screen.queryByTestId('stack-delete')).toBeNull();
    expect(screen.queryByTestId('stack-start')).toBeNull();
    fireEvent.click(await screen.findByTestId('restore-1'));
    const name = await screen.findByTestId('restore-name');
    fireEvent.change(name, { target: { value: 'shop-2' } });
    fireEvent.click(screen.getByTestId('restore-submit'));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true));
    const post = calls.find((c) => c.method === 'POST')!;
    expect(post.path).toBe('/api/v1/stacks/old-id/restore');
    expect(JSON.parse(post.body!)).toEqual({ version: 1, name: 'shop-2' });
    expect(calls.some((c) => c.path.endsWith('/status'))).toBe(false); // no live status: a 404
  });

  it('offers Restore only to who may create stacks', async () => {
    const { fetchStub } = stubFetch({
      'GET /api/v1/stacks/old-id': gone,
      'GET /api/v1/stacks/old-id/versions': { items: [version(1)], total: 1, limit: 500, offset: 0 },
    });
    vi.stubGlobal('fetch', fetchStub);
    page(user('viewer'));
    expect(await screen.findByTestId('deleted-versions')).toHaveTextContent('v1');
    expect(screen.queryByTestId('restore-1')).toBeNull();
  });
});

describe('Show deleted stacks', () => {
  it('lists the deleted stacks, linked by id, only once asked', async () => {
    const { fetchStub, calls } = stubFetch({
      'GET /api/v1/stacks': { items: [gone], total: 1, limit: 500, offset: 0 },
    });
    vi.stubGlobal('fetch', fetchStub);
    renderWith(<DeletedStacks />, { me: user('viewer') });
    expect(screen.queryByTestId('deleted-stacks')).toBeNull();
    fireEvent.click(screen.getByTestId('show-deleted'));
    const row = await screen.findByTestId('deleted-row-shop');
    expect(row.querySelector('a')).toHaveAttribute('href', '/stacks/old-id');
    expect(calls[0]!.path).toContain('deleted=true');
  });
});
