"""Where the CLI writes: human tables on a terminal, plain timestamped lines elsewhere, or JSON.

A terminal gets colour and live progress; any other stdout (a CI log, a pipe, a file) gets no
animation and no control sequences at all. ``--json`` writes one JSON object per line on
stdout. Messages and errors go to stderr in every mode, so stdout stays parseable.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import IO, Final

from rich.console import Console
from rich.table import Table
from rich.text import Text

__all__ = ["Output", "status_style", "timestamp"]

_STATUS_STYLES: Final = {
    "completed": "green",
    "running": "green",
    "succeeded": "green",
    "failed": "red",
    "error": "red",
    "errored": "red",
    "cancelled": "yellow",
    "conflicted": "yellow",
    "skipped": "yellow",
    "not_started": "dim",
    "stopped": "dim",
    "queued": "cyan",
    "pending": "cyan",
    "deploying": "cyan",
}


def status_style(status: str) -> str:
    """The colour a status is shown in on a terminal."""
    return _STATUS_STYLES.get(status, "")


def timestamp() -> str:
    """The local wall-clock time, as each plain output line starts with."""
    return datetime.now().astimezone().strftime("%H:%M:%S")


def _is_terminal(stream: IO[str]) -> bool:
    if os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty is not None and isatty())


class Output:
    """The three output modes of every command.

    Args:
        json_mode: Write JSON lines on stdout instead of text.
        stdout: The output stream (``sys.stdout`` when omitted).
        stderr: The message stream (``sys.stderr`` when omitted).
    """

    def __init__(
        self, *, json_mode: bool, stdout: IO[str] | None = None, stderr: IO[str] | None = None
    ) -> None:
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr
        self.json_mode = json_mode
        self.live = not json_mode and _is_terminal(self.stdout)
        """Whether stdout is a terminal that gets colour and animation."""
        self.console = Console(
            file=self.stdout,
            force_terminal=self.live,
            no_color=not self.live,
            highlight=False,
            emoji=False,
            soft_wrap=not self.live,
        )

    # -- stdout ---------------------------------------------------------------------------
    def json(self, obj: Mapping[str, object]) -> None:
        """Write one JSON object on its own line."""
        self.stdout.write(json.dumps(obj, separators=(",", ":"), default=str) + "\n")
        self.stdout.flush()

    def line(self, text: str, *, style: str = "") -> None:
        """Write one progress line: timestamped when plain, styled on a terminal."""
        if self.live:
            self.console.print(Text(text, style=style))
        else:
            self.stdout.write(f"{timestamp()} {text}\n")
            self.stdout.flush()

    def text(self, text: str) -> None:
        """Write text as is (no timestamp), e.g. a summary line."""
        if self.live:
            self.console.print(Text(text))
        else:
            self.stdout.write(text + "\n")
            self.stdout.flush()

    def table(
        self,
        headers: Sequence[str],
        rows: Sequence[Sequence[str]],
        *,
        status_column: int | None = None,
        title: str | None = None,
    ) -> None:
        """Write a table: rich on a terminal, space-aligned columns otherwise."""
        if self.live:
            table = Table(
                box=None, pad_edge=False, header_style="bold", title=title, title_justify="left"
            )
            for header in headers:
                table.add_column(header, overflow="fold")
            for row in rows:
                texts = [Text(cell) for cell in row]
                if status_column is not None:
                    texts[status_column].stylize(status_style(row[status_column]))
                table.add_row(*texts)
            self.console.print(table)
            return
        if title:
            self.stdout.write(title + "\n")
        widths = [len(h) for h in headers]
        for row in rows:
            widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]
        for row in (headers, *rows):
            cells = (cell.ljust(w) for cell, w in zip(row, widths, strict=True))
            self.stdout.write("  ".join(cells).rstrip() + "\n")
        self.stdout.flush()

    def fields(self, pairs: Sequence[tuple[str, str]]) -> None:
        """Write one object as aligned ``name  value`` lines."""
        width = max((len(name) for name, _ in pairs), default=0)
        if self.live:
            for name, value in pairs:
                line = Text(name.ljust(width) + "  ", style="bold")
                line.append(value, style=status_style(value))
                self.console.print(line)
            return
        for name, value in pairs:
            self.stdout.write(f"{name.ljust(width)}  {value}".rstrip() + "\n")
        self.stdout.flush()

    # -- stderr ---------------------------------------------------------------------------
    def message(self, text: str) -> None:
        """Write a note for the human on stderr (never on stdout)."""
        self.stderr.write(text + "\n")
        self.stderr.flush()

    def error(self, text: str) -> None:
        """Write the one-line error report on stderr."""
        self.message(f"error: {text}")
