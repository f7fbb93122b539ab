// The confirmation of a redeploy (a rollback): it names what will be served, where, and what
// it replaces, before the DEPLOY is queued.
import { useState } from 'react';
import { Button, Group, Modal, Stack, Text, TextInput } from '@mantine/core';
import { useEnqueue } from '../../api/actions';
import { redeploy, shortSha, type Deployment } from '../../api/deploys';
import type { CommandAccepted } from '../../api/queries';

interface Props {
  stackName: string;
  deployment: Deployment | null;
  /** What the target serves now (for the same path), if anything. */
  serving: Deployment | null;
  onClose: () => void;
  onQueued: (accepted: CommandAccepted, what: string) => void;
}

export function RedeployDialog({ stackName, deployment, serving, onClose, onQueued }: Props) {
  const [comment, setComment] = useState('');
  const run = useEnqueue(
    (args: { id: string; comment: string }, key) => redeploy(stackName, args.id, { comment: args.comment || null }, key),
    () => `Redeploy to ${stackName}/${deployment?.service ?? ''}`,
  );
  const d = deployment;
  const close = () => {
    setComment('');
    onClose();
  };
  return (
    <Modal opened={d !== null} onClose={close} title={d ? `Redeploy ${d.artifact_filename}?` : ''} size="lg">
      {d && (
        <Stack gap="sm">
          <Text size="sm" data-testid="redeploy-summary">
            <b>{d.service}</b> will serve <b>{d.artifact_filename}</b> (sha256 {shortSha(d.artifact)}) at <b>{d.path}</b>
            {serving && serving.deployment_id !== d.deployment_id
              ? `, replacing ${serving.artifact_filename} (sha256 ${shortSha(serving.artifact)}).`
              : '.'}
          </Text>
          <Text size="xs" c="dimmed">
            The artifact comes from Core Monitor's own store; the deploy is verified, and if it fails the
            target is put back on what it serves now.
          </Text>
          <TextInput label="Comment" value={comment} onChange={(e) => setComment(e.currentTarget.value)} maxLength={2000} placeholder={`rollback to ${shortSha(d.artifact)}`} />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button
              color="orange"
              loading={run.isPending}
              data-testid="confirm-redeploy"
              onClick={() =>
                run.mutate(
                  { id: d.deployment_id, comment: comment.trim() },
                  {
                    onSuccess: (accepted) => {
                      onQueued(accepted, `Redeploying ${d.artifact_filename} to ${d.service}`);
                      close();
                    },
                  },
                )
              }
            >
              Redeploy
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
