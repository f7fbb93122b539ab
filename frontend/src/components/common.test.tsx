import { describe, expect, it } from 'vitest';
import { screen } from '@testing-library/react';
import { RoleButton, StatusBadge } from './common';
import { renderWith, user } from '../test/render';

describe('RoleButton', () => {
  it('is a live button for a role high enough', () => {
    renderWith(<RoleButton need="operator">Apply</RoleButton>, { me: user('operator') });
    expect(screen.getByRole('button', { name: 'Apply' })).toBeEnabled();
  });

  it('is hidden from a viewer', () => {
    renderWith(<RoleButton need="operator">Apply</RoleButton>, { me: user('viewer') });
    expect(screen.queryByRole('button', { name: 'Apply' })).toBeNull();
  });

  it('is disabled with the reason for an operator on an admin action', () => {
    renderWith(<RoleButton need="admin">Delete</RoleButton>, { me: user('operator') });
    expect(screen.getByRole('button', { name: 'Delete' })).toBeDisabled();
    expect(screen.getByLabelText(/Only an admin may do this/)).toBeInTheDocument();
  });

  it('follows the role a user has on one stack', () => {
    renderWith(
      <>
        <RoleButton need="operator" stackId="s1">
          On s1
        </RoleButton>
        <RoleButton need="operator" stackId="s2">
          On s2
        </RoleButton>
      </>,
      { me: user('viewer', { s1: 'operator' }) },
    );
    expect(screen.getByRole('button', { name: 'On s1' })).toBeEnabled();
    expect(screen.queryByRole('button', { name: 'On s2' })).toBeNull();
  });
});

describe('StatusBadge', () => {
  it('shows the status and exposes it for tests and styling', () => {
    renderWith(<StatusBadge status="DEGRADED" testId="b" />);
    expect(screen.getByTestId('b')).toHaveTextContent('DEGRADED');
    expect(screen.getByTestId('b')).toHaveAttribute('data-status', 'DEGRADED');
  });
});
