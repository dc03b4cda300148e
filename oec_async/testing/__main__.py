"""Run the fake OEC server as its own process.

    python -m oec_async.testing --port 8765 --environments 500 --task-duration 2 \\
        --write-limit 20 --read-limit 120 --window 1 --dialect live --failure-rate 0.05

Prints one JSON line on stdout (``url``, ``full_access_key``, ``read_only_key``,
``project_id``, ``project_ids``, ``environment_ids``, ``port``) once it is listening, then serves
until SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from collections.abc import Sequence
from typing import Final, Literal

import attrs

from ._dialect import DIALECTS
from ._faults import FaultConfig
from ._ratelimit import RateLimitConfig
from ._server import FakeOEC


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m oec_async.testing",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (0: any free)")
    parser.add_argument("--environments", type=int, default=10)
    parser.add_argument("--projects", type=int, default=1)
    parser.add_argument("--deployments", type=int, default=3, help="seeded history per env")
    parser.add_argument("--stopped-fraction", type=float, default=0.1)
    parser.add_argument("--task-duration", type=float, default=0.2, help="seconds per task")
    parser.add_argument(
        "--failure-rate", type=float, default=0.0, help="share of tasks that fail (0..1)"
    )
    # The old spelling, kept working but no longer shown.
    parser.add_argument("--fail-rate", type=float, dest="failure_rate", help=argparse.SUPPRESS)
    parser.add_argument(
        "--unhealthy-rate",
        type=float,
        default=0.0,
        help="share of successful deploys/restarts/starts that leave the environment unhealthy",
    )
    parser.add_argument(
        "--unhealthy-after",
        type=float,
        default=0.0,
        help="seconds after the task at which an unhealthy environment turns so (0: at once)",
    )
    parser.add_argument(
        "--script",
        default="",
        help="per-environment results by seeded index, e.g. '0=succeeded,5=failed,7=unhealthy'",
    )
    parser.add_argument("--no-rate-limits", action="store_true")
    parser.add_argument("--write-limit", type=int, default=20, help="writes per window per key")
    parser.add_argument("--read-limit", type=int, default=120, help="reads per window per key")
    parser.add_argument("--window", type=float, default=60.0, help="rate-limit window, seconds")
    parser.add_argument(
        "--no-429-headers",
        action="store_true",
        help="send 429s with a body only, as some API versions do",
    )
    parser.add_argument("--error-style", choices=("detail", "top_level"), default="detail")
    parser.add_argument(
        "--dialect",
        choices=DIALECTS,
        default="live",
        help="answer as the live API does (default) or as its docs describe",
    )
    parser.add_argument(
        "--faults", default="", help="random faults, e.g. 'error_503=0.1,drop=0.03,non_json=0.02'"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--request-log",
        type=int,
        default=0,
        help="request records kept in memory (nobody reads them in this mode)",
    )
    return parser.parse_args(argv)


def fault_config(spec: str) -> FaultConfig:
    """Build a `FaultConfig` from ``name=fraction,...``."""
    names = {field.name for field in attrs.fields(FaultConfig)}
    values: dict[str, float] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        name, _, value = item.partition("=")
        if name not in names:
            raise SystemExit(f"unknown fault {name!r}; choose from {', '.join(sorted(names))}")
        values[name] = float(value)
    return FaultConfig(**values)


def build(args: argparse.Namespace) -> FakeOEC:
    """Return the (unstarted) fake configured by `args`."""
    limits = RateLimitConfig(
        enabled=not args.no_rate_limits,
        reads_per_window=args.read_limit,
        writes_per_window=args.write_limit,
        window=args.window,
        send_429_headers=not args.no_429_headers,
    )
    fake = FakeOEC(
        environments=args.environments,
        projects=args.projects,
        deployments_per_environment=args.deployments,
        stopped_fraction=args.stopped_fraction,
        task_duration=args.task_duration,
        failure_rate=args.failure_rate,
        unhealthy_rate=args.unhealthy_rate,
        unhealthy_after=args.unhealthy_after,
        rate_limits=limits,
        error_style=args.error_style,
        dialect=args.dialect,
        faults=fault_config(args.faults),
        seed=args.seed,
        port=args.port,
        request_log_limit=args.request_log,
    )
    for index, result in script_entries(args.script):
        if not 0 <= index < len(fake.environment_ids):
            raise SystemExit(f"--script: no environment with index {index}")
        fake.script(fake.environment_ids[index], result)
    return fake


ScriptResult = Literal["failed", "unhealthy", "succeeded"]
_SCRIPT_RESULTS: Final[dict[str, ScriptResult]] = {
    "failed": "failed",
    "unhealthy": "unhealthy",
    "succeeded": "succeeded",
}


def script_entries(spec: str) -> list[tuple[int, ScriptResult]]:
    """Parse ``index=result,...`` (the ``--script`` option)."""
    entries: list[tuple[int, ScriptResult]] = []
    for item in filter(None, (part.strip() for part in spec.split(","))):
        index, _, result = item.partition("=")
        if not index.strip().isdigit() or result not in _SCRIPT_RESULTS:
            raise SystemExit(f"--script: expected index=failed|unhealthy|succeeded, got {item!r}")
        entries.append((int(index), _SCRIPT_RESULTS[result]))
    return entries


async def serve(fake: FakeOEC) -> None:
    """Serve `fake` until SIGTERM or SIGINT, after printing its JSON line."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with fake:
        print(
            json.dumps(
                {
                    "url": fake.url,
                    "port": fake.port,
                    "full_access_key": fake.full_access_key,
                    "read_only_key": fake.read_only_key,
                    "project_id": fake.project_id,
                    "project_ids": fake.project_ids,
                    "environment_ids": fake.environment_ids,
                }
            ),
            flush=True,
        )
        await stop.wait()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: parse arguments and serve."""
    fake = build(parse_args(argv))
    asyncio.run(serve(fake))
    print("fake OEC server stopped", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
