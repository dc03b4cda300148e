"""Global options (``--base-url``, ``--api-key``, ``--json``, ``--debug``) and the client they make.

The options are accepted both before the command (``oec --json environments list``) and after it
(``oec environments list --json``); either way they land in the one :class:`Settings` object of
the invocation.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Final, TypeVar

import click
from attrs import define, field

from .._client import Client
from .._config import DEFAULT_BASE_URL, PollPolicy, RateLimits
from ._exit import CLIError, ExitCode
from ._output import Output

__all__ = ["Settings", "global_options", "output_options", "pass_settings"]

F = TypeVar("F", bound=Callable[..., object])

KEY_ENV: Final = "OEC_API_KEY"
URL_ENV: Final = "OEC_BASE_URL"
HISTORY_WARNING: Final = (
    "warning: --api-key may end up in your shell history and process list; "
    f"prefer the {KEY_ENV} environment variable"
)


@define
class Settings:
    """What the global options say for this invocation."""

    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    json: bool = False
    debug: bool = False
    warned: bool = False

    def output(self) -> Output:
        """The output for this invocation's mode."""
        return Output(json_mode=self.json)

    def client(
        self, *, rate_limits: RateLimits | None = None, poll: PollPolicy | None = None
    ) -> Client:
        """An unopened client configured from the options and the environment."""
        api_key = self.api_key or os.environ.get(KEY_ENV)
        if not api_key or not api_key.strip():
            raise CLIError(f"no API key: set {KEY_ENV} (or pass --api-key)", ExitCode.AUTH)
        base_url = self.base_url or os.environ.get(URL_ENV) or DEFAULT_BASE_URL
        try:
            return Client(api_key=api_key, base_url=base_url, rate_limits=rate_limits, poll=poll)
        except (ValueError, TypeError, ImportError) as error:  # ImportError: OEC_BUDGET_URL
            raise CLIError(str(error), ExitCode.USAGE) from None


def _settings(ctx: click.Context) -> Settings:
    return ctx.find_root().ensure_object(Settings)


def _set_base_url(ctx: click.Context, _: click.Parameter, value: str | None) -> None:
    if value is not None:
        _settings(ctx).base_url = value


def _set_api_key(ctx: click.Context, _: click.Parameter, value: str | None) -> None:
    if value is not None:
        settings = _settings(ctx)
        settings.api_key = value
        if not settings.warned:
            settings.warned = True
            click.echo(HISTORY_WARNING, err=True)


def _set_json(ctx: click.Context, _: click.Parameter, value: bool) -> None:
    if value:
        _settings(ctx).json = True


def _set_debug(ctx: click.Context, _: click.Parameter, value: bool) -> None:
    if value:
        _settings(ctx).debug = True


_CONNECTION_OPTIONS: Final = (
    click.option(
        "--base-url",
        metavar="URL",
        expose_value=False,
        callback=_set_base_url,
        help=f"API base URL [env {URL_ENV}; default {DEFAULT_BASE_URL}].",
    ),
    click.option(
        "--api-key",
        metavar="KEY",
        expose_value=False,
        callback=_set_api_key,
        help=f"API key; prefer the {KEY_ENV} environment variable (shell history).",
    ),
)
_OUTPUT_OPTIONS: Final = (
    click.option(
        "--json",
        "json_output",
        is_flag=True,
        expose_value=False,
        callback=_set_json,
        help="Machine-readable output: one JSON object per line.",
    ),
    click.option(
        "--debug",
        is_flag=True,
        expose_value=False,
        callback=_set_debug,
        help="Show tracebacks and the SDK's debug log.",
    ),
)


def output_options(command: F) -> F:
    """Add ``--json`` and ``--debug`` to a group or command."""
    for option in reversed(_OUTPUT_OPTIONS):
        command = option(command)
    return command


def global_options(command: F) -> F:
    """Add every global option (connection and output) to a group or command."""
    for option in reversed(_CONNECTION_OPTIONS):
        command = option(command)
    return output_options(command)


pass_settings: Final = click.make_pass_decorator(Settings, ensure=True)
"""Pass the invocation's :class:`Settings` (created by the root group) as the first argument."""
