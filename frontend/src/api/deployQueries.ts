// The deploy GETs as TanStack Query hooks. A stack's keys start with ['stack', name], so the
// event stream's command events (a DEPLOY finishing) make them stale with the rest of the stack.
import { useQuery } from '@tanstack/react-query';
import { listArtifacts, listDeployments, listDeployTargets, type DeploymentFilters } from './deploys';

export const deployKeys = {
  artifacts: ['artifacts'] as const,
  targets: (stack: string) => ['stack', stack, 'deploy-targets'] as const,
  deployments: (stack: string, filters: DeploymentFilters = {}) => ['stack', stack, 'deployments', filters] as const,
};

export function useArtifacts() {
  return useQuery({ queryKey: deployKeys.artifacts, queryFn: () => listArtifacts() });
}

export function useDeployTargets(stack: string, enabled = true) {
  return useQuery({
    queryKey: deployKeys.targets(stack),
    enabled: enabled && stack !== '',
    queryFn: () => listDeployTargets(stack),
  });
}

export function useDeployments(stack: string, filters: DeploymentFilters = {}) {
  return useQuery({
    queryKey: deployKeys.deployments(stack, filters),
    enabled: stack !== '',
    queryFn: () => listDeployments(stack, filters),
  });
}
