import { Button } from '@mantine/core';
import { Link } from 'react-router-dom';
import { EmptyState } from '../components/common';

export default function NotFoundPage() {
  return (
    <EmptyState
      title="No such page"
      action={
        <Button component={Link} to="/">
          Go to the dashboard
        </Button>
      }
    >
      The address does not match any page of the console.
    </EmptyState>
  );
}
