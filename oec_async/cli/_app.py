"""The ``oec`` command group and its entry point."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

from .._version import get_version
from ._actions import action_commands, fleet
from ._demo import demo
from ._deployments import deployments
from ._environments import environments
from ._exit import ExitCode
from ._settings import global_options

__all__ = ["cli", "main"]

EPILOG = """\b
Configuration: OEC_API_KEY (the key; never printed), OEC_BASE_URL.
Exit codes: 0 all succeeded, 1 an environment failed or the API refused,
2 usage error, 3 authentication or permission, 4 timeout, 130 interrupted.
"""


@click.group(epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(get_version(), prog_name="oec")
@global_options
def cli() -> None:
    """Command line for the OEC.sh API: environments, deploys, fleets, and a demo."""


cli.add_command(environments)
cli.add_command(deployments)
cli.add_command(fleet)
cli.add_command(demo)
for _command in action_commands():
    cli.add_command(_command)


def main(argv: Sequence[str] | None = None) -> None:
    """Run ``oec`` and exit with its exit code."""
    try:
        code = cli.main(args=argv, prog_name="oec", standalone_mode=False)
    except click.exceptions.Exit as done:
        code = done.exit_code
    except click.ClickException as error:
        error.show()
        code = error.exit_code
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo("interrupted", err=True)
        code = ExitCode.INTERRUPTED
    sys.exit(code if isinstance(code, int) else ExitCode.OK)
