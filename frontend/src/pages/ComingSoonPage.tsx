import { Button } from '@mantine/core';
import { Link } from 'react-router-dom';
import { EmptyState } from '../components/common';

export default function ComingSoonPage({ what }: { what: string }) {
  return (
    <EmptyState
      title={`${what} — coming soon`}
      action={
        <Button component={Link} to="/stacks/new">
          Create a stack from YAML
        </Button>
      }
    >
      This page arrives with a later release. Meanwhile, create stacks by pasting a compose file.
    </EmptyState>
  );
}
