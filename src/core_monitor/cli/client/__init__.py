"""The client commands of `coremon` (stack, command, queue, login): they talk to a Core
Monitor server over its REST API only, never to a database."""
