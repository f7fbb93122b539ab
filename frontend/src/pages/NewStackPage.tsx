import { useCallback, useState } from 'react';
import { Alert, NativeSelect, Stack, TextInput, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router-dom';
import { notifications } from '@mantine/notifications';
import { api, unwrap } from '../api/client';
import { useAuth } from '../api/auth';
import { keys, useHostsStatus } from '../api/queries';
import { ComposeForm } from '../components/ComposeForm';
import { unmarkGone } from '../lib/goneStacks';
import { EmptyState } from '../components/common';

// coremon/demo-web:1 is the image `make run` makes sure the engine has (a tiny web server on
// port 8080): the first stack runs on a fresh machine, registry or not.
export const STARTER = `services:
  web:
    image: coremon/demo-web:1
    ports:
      - "127.0.0.1:8081:8080"
`;

export default function NewStackPage() {
  const { can } = useAuth();
  const navigate = useNavigate();
  const client = useQueryClient();
  const [name, setName] = useState('');
  const [host, setHost] = useState('local');
  const hosts = useHostsStatus();
  // With one host there is nothing to choose: the field appears once a second one is added.
  const hostChoices = (hosts.data ?? []).map((h) => ({
    value: h.host_id,
    label: h.reachable ? h.name : `${h.name} (unreachable)`,
  }));
  const validate = useCallback(
    async ({ compose, variables }: { compose: string; variables: Record<string, string> }) =>
      (await unwrap(api.POST('/api/v1/stacks/validate', { body: { name: name || null, compose, variables } }))).errors,
    [name],
  );

  if (!can('operator')) {
    return (
      <EmptyState title="Creating stacks needs the operator role">
        Your role can look but not change. Ask an admin for the operator role.
      </EmptyState>
    );
  }
  return (
    <Stack>
      <Title order={2}>New stack</Title>
      <ComposeForm
        initialCompose={STARTER}
        submitLabel="Create stack"
        validate={validate}
        notice={
          <Alert color="blue" variant="light">
            Paste a compose file. It is validated and stored as version 1; nothing runs until you
            apply it.
          </Alert>
        }
        extraFields={
          <>
            <TextInput
              label="Stack name"
              description="Lowercase letters, digits, - and _ (the Compose project name)."
              required
              value={name}
              onChange={(e) => setName(e.currentTarget.value.trim())}
              data-testid="stack-name"
            />
            {hostChoices.length > 1 && (
              <NativeSelect
                label="Docker host"
                description="Where the stack runs. Moving it later is an explicit command (volumes stay behind)."
                data={hostChoices}
                value={host}
                onChange={(e) => setHost(e.currentTarget.value)}
                data-testid="stack-host"
              />
            )}
          </>
        }
        onSubmit={async ({ compose, comment, variables }) => {
          const created = await unwrap(api.POST('/api/v1/stacks', { body: { name, compose, comment, variables, host } }));
          // A name used by a deleted stack may come back.
          unmarkGone(created.name);
          void client.invalidateQueries({ queryKey: keys.stacks });
          void client.invalidateQueries({ queryKey: keys.allStatus });
          notifications.show({ color: 'green', title: 'Stack created', message: `${created.name} v${created.version}` });
          navigate(`/stacks/${created.name}/versions`);
        }}
      />
    </Stack>
  );
}
