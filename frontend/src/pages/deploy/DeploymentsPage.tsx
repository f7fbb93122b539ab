// The Deployments page (/deploy, /deploy/:name): pick a stack; per deploy target, what it
// serves and its history; upload an artifact, deploy it, redeploy an earlier one; the queued
// command's log follows live on the page.
import { useState } from 'react';
import { Anchor, Breadcrumbs, Grid, NativeSelect, Stack, Text, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router-dom';
import type { Deployment } from '../../api/deploys';
import { deployKeys, useArtifacts, useDeployTargets } from '../../api/deployQueries';
import { useStacks, type CommandAccepted, type Stack as StackT } from '../../api/queries';
import { CommandLogPanel } from '../../components/CommandLog';
import { EmptyState, Loading, QueryError } from '../../components/common';
import { DeployForm } from './DeployForm';
import { RedeployDialog } from './RedeployDialog';
import { TargetCard } from './TargetCard';
import { UploadBox } from './UploadBox';

interface Active {
  commandId: string;
  title: string;
}

function StackDeployments({ stack }: { stack: StackT }) {
  const targets = useDeployTargets(stack.name);
  const artifacts = useArtifacts();
  const client = useQueryClient();
  const [active, setActive] = useState<Active | null>(null);
  const [uploaded, setUploaded] = useState<string | null>(null);
  const [redeploying, setRedeploying] = useState<Deployment | null>(null);
  const queued = (accepted: CommandAccepted, title: string) => {
    setActive({ commandId: accepted.command_id, title });
    void client.invalidateQueries({ queryKey: ['stack', stack.name] });
  };
  const refresh = () => {
    void client.invalidateQueries({ queryKey: ['stack', stack.name] });
    void client.invalidateQueries({ queryKey: deployKeys.artifacts });
  };

  if (targets.isPending) return <Loading />;
  if (targets.isError) return <QueryError error={targets.error} title="Deploy targets unavailable" />;
  const list = targets.data;
  if (list.length === 0) {
    return (
      <EmptyState title={`${stack.name} has no deploy target`}>
        A service takes deployments when its compose file declares <code>x-coremon-deploy</code> (kind nginx,
        tomcat or wildfly) with its content on a named volume.
      </EmptyState>
    );
  }
  const serving = redeploying
    ? (list.find((t) => t.service === redeploying.service)?.current.find((d) => d.path === redeploying.path) ?? null)
    : null;
  return (
    <Stack>
      {active && <CommandLogPanel key={active.commandId} commandId={active.commandId} title={active.title} onEnd={refresh} />}
      <Grid>
        <Grid.Col span={{ base: 12, md: 6 }}>
          <UploadBox onUploaded={(a) => setUploaded(a.sha256)} />
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 6 }}>
          {artifacts.isError ? (
            <QueryError error={artifacts.error} title="Artifacts unavailable" />
          ) : (
            <DeployForm
              stackName={stack.name}
              stackId={stack.stack_id}
              targets={list}
              artifacts={artifacts.data?.items ?? []}
              preferred={uploaded}
              onQueued={queued}
            />
          )}
        </Grid.Col>
      </Grid>
      {list.map((t) => (
        <TargetCard key={t.service} stackName={stack.name} stackId={stack.stack_id} target={t} onRedeploy={setRedeploying} />
      ))}
      <RedeployDialog stackName={stack.name} deployment={redeploying} serving={serving} onClose={() => setRedeploying(null)} onQueued={queued} />
    </Stack>
  );
}

export default function DeploymentsPage() {
  const { name = '' } = useParams();
  const navigate = useNavigate();
  const stacks = useStacks();
  const live = (stacks.data?.items ?? []).filter((s) => s.status !== 'DELETED');
  const stack = live.find((s) => s.name === name);
  return (
    <Stack>
      <Breadcrumbs>
        <Anchor component={Link} to="/deploy">
          Deployments
        </Anchor>
        {stack && (
          <Anchor component={Link} to={`/stacks/${stack.name}`}>
            {stack.name}
          </Anchor>
        )}
      </Breadcrumbs>
      <Title order={2}>Deployments</Title>
      <Text size="sm" c="dimmed">
        Upload a static site, a .war or an .ear once; deploy it into a middleware service of a stack; roll back to
        any earlier deployment.
      </Text>
      {stacks.isError && <QueryError error={stacks.error} />}
      <NativeSelect
        label="Stack"
        maw={360}
        data={[{ value: '', label: stacks.isPending ? 'Loading…' : 'Choose a stack…' }, ...live.map((s) => ({ value: s.name, label: s.name }))]}
        value={stack ? stack.name : ''}
        onChange={(e) => navigate(e.currentTarget.value ? `/deploy/${e.currentTarget.value}` : '/deploy')}
      />
      {name && stacks.data && !stack && (
        <EmptyState title={`No stack named ${name}`}>It may have been deleted, or you may not have access to it.</EmptyState>
      )}
      {stack && <StackDeployments key={stack.name} stack={stack} />}
    </Stack>
  );
}
