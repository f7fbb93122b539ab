"""The command queue: executors plug into a worker that runs one command at a time."""
