import { describe, expect, it } from 'vitest';
import { cleanup, screen } from '@testing-library/react';
import { Shell } from './Shell';
import { renderWith, user } from '../test/render';

function activeEntries(route: string): string[] {
  renderWith(<Shell>page</Shell>, { me: user('admin'), route });
  const nav = screen.getByRole('navigation', { name: 'Main' });
  const active = Array.from(nav.querySelectorAll('a[data-active]')).map((a) => a.textContent ?? '');
  cleanup();
  return active;
}

describe('Shell navigation', () => {
  it('highlights the dashboard on the dashboard only', () => {
    expect(activeEntries('/')).toEqual(['Dashboard']);
  });

  it.each(['/stacks/shop', '/stacks/shop/compare', '/stacks/shop/versions/2'])('highlights nothing on a stack page (%s)', (route) => {
    expect(activeEntries(route)).toEqual([]);
  });

  it('highlights the page one is on', () => {
    expect(activeEntries('/stacks/new')).toEqual(['New stack']);
    expect(activeEntries('/commands/c-1')).toEqual(['Commands']);
  });
});
