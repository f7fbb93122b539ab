// Roles per the auth contract: viewer < operator < admin; on a stack, the higher of the
// global role and the stack's own role.
export type Role = 'viewer' | 'operator' | 'admin';

export interface Me {
  username: string;
  role: Role | null;
  stack_roles: Record<string, Role>;
  auth: string;
}

const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

export function effectiveRole(me: Me | null, stackId?: string | null): Role | null {
  if (!me) return null;
  const stackRole = stackId ? me.stack_roles[stackId] : undefined;
  const roles = [me.role, stackRole].filter((r): r is Role => Boolean(r));
  if (roles.length === 0) return null;
  return roles.reduce((a, b) => (RANK[a] >= RANK[b] ? a : b));
}

export function hasRole(me: Me | null, needed: Role, stackId?: string | null): boolean {
  const role = effectiveRole(me, stackId);
  return role !== null && RANK[role] >= RANK[needed];
}

/** The highest role the user has anywhere (global or on any stack). */
export function bestRole(me: Me | null): Role | null {
  if (!me) return null;
  const all = [me.role, ...Object.values(me.stack_roles)].filter((r): r is Role => Boolean(r));
  if (all.length === 0) return null;
  return all.reduce((a, b) => (RANK[a] >= RANK[b] ? a : b));
}

export function reasonFor(needed: Role): string {
  return needed === 'admin' ? 'Only an admin may do this' : `Needs the ${needed} role`;
}
