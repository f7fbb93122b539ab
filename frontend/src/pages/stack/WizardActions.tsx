// On a stack the wizard made: "Edit with the wizard" and "Upgrade" (marked when the catalog
// has newer component versions within their ranges). Nothing on a stack written by hand.
import { Badge, Group } from '@mantine/core';
import { useNavigate } from 'react-router-dom';
import type { Stack as StackT } from '../../api/queries';
import { useProvenance } from '../../api/wizard';
import { RoleButton } from '../../components/common';

export function WizardActions({ stack }: { stack: StackT }) {
  const navigate = useNavigate();
  const prov = useProvenance(stack.name, stack.stack_id);
  if (!prov.data) return null;
  const upgrades = prov.data.upgrades.length;
  return (
    <Group gap="xs">
      <RoleButton need="operator" stackId={stack.stack_id} variant="default" size="sm"
        onClick={() => navigate(`/stacks/${stack.name}/wizard`)} data-testid="wizard-edit">
        Edit with the wizard
      </RoleButton>
      {upgrades > 0 && (
        <>
          <Badge color="grape" variant="light" data-testid="upgrade-available">upgrade available</Badge>
          <RoleButton need="operator" stackId={stack.stack_id} variant="light" color="grape" size="sm"
            onClick={() => navigate(`/stacks/${stack.name}/wizard?upgrade=1`)} data-testid="wizard-upgrade">
            Upgrade
          </RoleButton>
        </>
      )}
    </Group>
  );
}
