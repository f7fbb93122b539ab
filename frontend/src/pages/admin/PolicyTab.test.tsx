import { afterEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { PolicyTab } from './PolicyTab';
import { renderWith, stubFetch } from '../../test/render';

const POLICY = {
  rules: { privileged: { enabled: true, description: 'privileged containers' } },
  allowed_bind_roots: ['/srv'],
  sensitive_paths: ['/etc'],
};

afterEach(() => vi.unstubAllGlobals());

describe('PolicyTab', () => {
  it('saves the edited rules and lists', async () => {
    const { fetchStub, calls } = stubFetch({
      'GET /api/v1/policy': POLICY,
      'GET /api/v1/policy/exceptions': [],
      'PUT /api/v1/policy': POLICY,
    });
    vi.stubGlobal('fetch', fetchStub);
    renderWith(<PolicyTab />);
    const rule = await screen.findByRole('switch', { name: /privileged/ });
    fireEvent.click(rule);
    const roots = screen.getByLabelText(/Allowed bind-mount roots/);
    // A trailing new line stays while typing (the list is parsed on save).
    fireEvent.change(roots, { target: { value: '/srv\n' } });
    expect(roots).toHaveValue('/srv\n');
    fireEvent.change(roots, { target: { value: '/srv\n/data\n' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save policy' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'PUT')).toBe(true));
    const body = JSON.parse(calls.find((c) => c.method === 'PUT')!.body!);
    expect(body.rules.privileged.enabled).toBe(false);
    expect(body.allowed_bind_roots).toEqual(['/srv', '/data']);
    expect(body.sensitive_paths).toEqual(['/etc']);
    expect(body).not.toHaveProperty('dangerous_capabilities'); // the allow-list has no deny-list
    expect(screen.getByText(/No exception/)).toBeInTheDocument();
  });
});
