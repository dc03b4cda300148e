"""Running one command's coroutine: event loop, error line, exit code, Ctrl-C."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import traceback
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Sequence
from typing import Any, NoReturn, TypeVar

import click

from .._client import Client
from ._exit import ExitCode, describe_error, exit_code_for
from ._output import Output
from ._render import as_json
from ._settings import Settings

__all__ = ["run_command", "show_object"]


T = TypeVar("T")


def _first_leaf(error: BaseException) -> BaseException:
    """The first real exception inside (nested) exception groups."""
    while isinstance(error, BaseExceptionGroup) and error.exceptions:
        error = error.exceptions[0]
    return error


@contextlib.contextmanager
def _sdk_log(out: Output, debug: bool) -> Iterator[None]:
    """Send the SDK's log to stderr for one command.

    With ``--debug``, all of it with timestamps; otherwise its warnings, as ``warning: ...``
    lines (instead of Python's bare last-resort output).
    """
    handler = logging.StreamHandler(out.stderr)
    logger = logging.getLogger("oec_async")
    level = logger.level
    if debug:
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        logger.setLevel(logging.DEBUG)
    else:
        handler.setFormatter(logging.Formatter("warning: %(message)s"))
        handler.setLevel(logging.WARNING)
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _silence_stdout() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        return  # not a real file (a test runner's buffer): nothing to flush into a closed pipe
    finally:
        os.close(devnull)


def run_command(
    settings: Settings,
    out: Output,
    main: Callable[[], Coroutine[Any, Any, int]],
    *,
    on_interrupt: Callable[[], None] | None = None,
) -> NoReturn:
    """Run ``main()`` on a fresh event loop and exit with the right code.

    Args:
        settings: The invocation's global options (``--debug`` shows tracebacks).
        out: Where the error line goes.
        main: The command's coroutine function; it returns the exit code.
        on_interrupt: Called after Ctrl-C has cancelled ``main`` (and its client has closed),
            to say what had been started.
    """
    try:
        with _sdk_log(out, settings.debug):
            code = asyncio.run(main())
    except BrokenPipeError:
        # The reader went away (``oec ... | head``): stop quietly, as other tools do.
        _silence_stdout()
        code = ExitCode.FAILED
    except KeyboardInterrupt:
        if on_interrupt is not None:
            on_interrupt()
        else:
            out.message("interrupted")
        code = ExitCode.INTERRUPTED
    except Exception as raised:
        error = _first_leaf(raised)
        if settings.debug:
            traceback.print_exception(raised, file=out.stderr)
        out.error(describe_error(error))
        code = exit_code_for(error)
    raise click.exceptions.Exit(int(code))


def show_object(
    settings: Settings,
    fetch: Callable[[Client], Awaitable[T]],
    fields: Callable[[T], Sequence[tuple[str, str]]],
) -> NoReturn:
    """Fetch one object and print it: labelled fields, or one JSON object with ``--json``."""
    out = settings.output()

    async def main() -> int:
        async with settings.client() as client:
            obj = await fetch(client)
        if out.json_mode:
            out.json(as_json(obj))
        else:
            out.fields(fields(obj))
        return ExitCode.OK

    run_command(settings, out, main)
