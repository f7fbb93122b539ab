"""The client command groups, ready for `coremon` (cli/main.py) to mount."""

from __future__ import annotations

import typer

from core_monitor.cli.client import (
    backups,
    commands,
    deploys,
    hosts,
    login,
    queue,
    stack_actions,
    stack_state,
    stacks,
    wizard,
)

# the modules that add their commands to the stack group, imported for that
_STACK_COMMANDS = (stack_actions, stack_state)


def mount(root: typer.Typer) -> None:
    root.add_typer(stacks.app, name="stack", no_args_is_help=True)
    root.add_typer(commands.app, name="command", no_args_is_help=True)
    root.command("queue")(queue.queue)
    root.command("login")(login.login)
    root.command("logout")(login.logout)
    root.add_typer(deploys.app, name="app", no_args_is_help=True)
    root.add_typer(wizard.app, name="wizard", no_args_is_help=True)
    root.add_typer(hosts.app, name="host", no_args_is_help=True)
    root.add_typer(backups.app, name="backup", no_args_is_help=True)
