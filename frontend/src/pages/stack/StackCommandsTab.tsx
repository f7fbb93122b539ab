import type { Stack as StackT } from '../../api/queries';
import { CommandsTable } from '../../components/CommandsTable';

export default function StackCommandsTab({ stack }: { stack: StackT }) {
  return <CommandsTable stackId={stack.stack_id} />;
}
