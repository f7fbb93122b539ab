// Admin pages (admin role; a separate chunk): users, API tokens, audit trail, policy.
import { Stack, Tabs, Title } from '@mantine/core';
import { Route, Routes, useLocation, useNavigate } from 'react-router-dom';
import { useAuth } from '../../api/auth';
import { EmptyState } from '../../components/common';
import { UsersTab } from './UsersTab';
import { TokensTab } from './TokensTab';
import { AuditTab } from './AuditTab';
import { PolicyTab } from './PolicyTab';

const TABS = [
  { value: 'users', label: 'Users' },
  { value: 'tokens', label: 'API tokens' },
  { value: 'audit', label: 'Audit trail' },
  { value: 'policy', label: 'Policy' },
];

export default function AdminPage() {
  const { can, open } = useAuth();
  const location = useLocation();
  const navigate = useNavigate();
  if (!can('admin')) {
    return <EmptyState title="Admins only">Users, tokens, the audit trail and the policy are managed by admins.</EmptyState>;
  }
  if (open) {
    return (
      <EmptyState title="This server has no authentication">
        Users, tokens and the audit trail come with authentication; this server does not have it.
      </EmptyState>
    );
  }
  const tab = TABS.find((t) => location.pathname.startsWith(`/admin/${t.value}`))?.value ?? 'users';
  return (
    <Stack>
      <Title order={2}>Administration</Title>
      <Tabs value={tab} onChange={(v) => navigate(`/admin/${v ?? 'users'}`)}>
        <Tabs.List>
          {TABS.map((t) => (
            <Tabs.Tab
              key={t.value}
              value={t.value}
              id={`admin-tab-${t.value}`}
              aria-controls="admin-tab-panel"
              data-testid={`admin-tab-${t.value}`}
            >
              {t.label}
            </Tabs.Tab>
          ))}
        </Tabs.List>
      </Tabs>
      <div id="admin-tab-panel" role="tabpanel" aria-labelledby={`admin-tab-${tab}`}>
        <Routes>
          <Route index element={<UsersTab />} />
          <Route path="users" element={<UsersTab />} />
          <Route path="tokens" element={<TokensTab />} />
          <Route path="audit" element={<AuditTab />} />
          <Route path="policy" element={<PolicyTab />} />
        </Routes>
      </div>
    </Stack>
  );
}
