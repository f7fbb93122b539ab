import { describe, expect, it } from 'vitest';
import { bestRole, effectiveRole, hasRole, type Me } from './roles';

const me = (role: Me['role'], stack_roles: Me['stack_roles'] = {}): Me => ({
  username: 'u',
  role,
  stack_roles,
  auth: 'session',
});

describe('roles', () => {
  it('takes the higher of the global and the stack role', () => {
    expect(effectiveRole(me('viewer', { s1: 'operator' }), 's1')).toBe('operator');
    expect(effectiveRole(me('admin', { s1: 'viewer' }), 's1')).toBe('admin');
    expect(effectiveRole(me('viewer', { s1: 'operator' }), 's2')).toBe('viewer');
  });

  it('has no role on a stack without a grant', () => {
    expect(effectiveRole(me(null, { s1: 'admin' }), 's2')).toBeNull();
    expect(hasRole(me(null, { s1: 'admin' }), 'viewer', 's2')).toBe(false);
  });

  it('orders viewer < operator < admin', () => {
    expect(hasRole(me('operator'), 'viewer')).toBe(true);
    expect(hasRole(me('operator'), 'operator')).toBe(true);
    expect(hasRole(me('operator'), 'admin')).toBe(false);
    expect(hasRole(null, 'viewer')).toBe(false);
    expect(bestRole(me('viewer', { a: 'admin' }))).toBe('admin');
  });
});
