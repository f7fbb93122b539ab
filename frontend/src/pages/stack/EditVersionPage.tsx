// "Edit as new version": the chosen version's YAML in the editor; saving creates a version.
import { useCallback } from 'react';
import { Alert, Stack, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useNavigate, useParams } from 'react-router-dom';
import { notifications } from '@mantine/notifications';
import { api, unwrap } from '../../api/client';
import { keys, useVersion, type Stack as StackT } from '../../api/queries';
import { useAuth } from '../../api/auth';
import { ComposeForm } from '../../components/ComposeForm';
import { EmptyState, Loading, QueryError } from '../../components/common';

export default function EditVersionPage({ stack }: { stack: StackT }) {
  const params = useParams();
  const number = Number(params.version);
  const version = useVersion(stack.name, number);
  const navigate = useNavigate();
  const client = useQueryClient();
  const { can } = useAuth();
  // The form sends its variables as it will on save (the parent's are only inherited when
  // none are sent, which this form never does).
  const validate = useCallback(
    async ({ compose, variables }: { compose: string; variables: Record<string, string> }) =>
      (
        await unwrap(
          api.POST('/api/v1/stacks/{stack_id}/validate', {
            params: { path: { stack_id: stack.name } },
            body: { compose, variables },
          }),
        )
      ).errors,
    [stack.name],
  );

  if (!can('operator', stack.stack_id)) {
    return <EmptyState title="Editing needs the operator role">Your role on this stack can only look.</EmptyState>;
  }
  if (version.isPending) return <Loading />;
  if (version.isError) return <QueryError error={version.error} />;
  const v = version.data;
  // A new version builds on the latest or on the applied one; from any other, the edit is
  // recorded on top of the latest (its text is still this version's).
  const parent = v.version === stack.current_version ? v.version : stack.latest_version;
  const secrets = Object.entries(v.variables).filter(([, val]) => val.secret).map(([k]) => k);
  const initialVariables = Object.fromEntries(
    Object.entries(v.variables).map(([k, val]) => [k, val.secret ? '' : val.value]),
  );
  return (
    <Stack>
      <Title order={3}>New version from v{v.version}</Title>
      <ComposeForm
        initialCompose={v.compose}
        initialVariables={initialVariables}
        validate={validate}
        submitLabel={`Save as v${stack.latest_version + 1}`}
        notice={
          <>
            {parent !== v.version && (
              <Alert color="blue" variant="light">
                The new version's parent will be v{parent} (the latest); its text starts from v{v.version}.
              </Alert>
            )}
            {secrets.length > 0 && (
              <Alert color="yellow" variant="light" title="Secret values are not shown">
                Enter the values of {secrets.join(', ')} again.
              </Alert>
            )}
          </>
        }
        onSubmit={async ({ compose, comment, variables }) => {
          const created = await unwrap(
            api.POST('/api/v1/stacks/{stack_id}/versions', {
              params: { path: { stack_id: stack.name } },
              body: { compose, comment, variables, parent_version: parent },
            }),
          );
          void client.invalidateQueries({ queryKey: keys.stack(stack.name) });
          void client.invalidateQueries({ queryKey: keys.stacks });
          notifications.show({ color: 'green', title: 'Version saved', message: `${stack.name} v${created.version}` });
          navigate(`/stacks/${stack.name}/versions`);
        }}
      />
    </Stack>
  );
}
