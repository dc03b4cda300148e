"""Fault injection: seeded random faults plus scripted rules.

Random faults follow `FaultConfig` fractions and a `random.Random` seeded from the fake's seed,
so a run is reproducible for the same request order. Rules (`FakeOEC.fail_next`) match a method
and a path template and take precedence over random faults.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from typing import Literal, TypeAlias

import attrs

FaultKind: TypeAlias = Literal["status", "drop", "non_json", "slow"]


@attrs.frozen(kw_only=True)
class FaultConfig:
    """Fractions (0..1) of requests that get each random fault.

    Attributes:
        error_500: Share answered 500 `internal_error`.
        error_502: Share answered 502 `bad_gateway` (JSON body).
        error_503: Share answered 503 `service_unavailable`.
        drop: Share whose connection is closed without any response.
        drop_after_action: Share of dropped non-GET requests that are dropped only after the
            server has acted (task created, idempotent response stored).
        slow: Share delayed by `slow_delay` seconds (real time) before being handled.
        slow_delay: Delay of a slow response in seconds.
        non_json: Share answered 502 with an HTML gateway page.
    """

    error_500: float = 0.0
    error_502: float = 0.0
    error_503: float = 0.0
    drop: float = 0.0
    drop_after_action: float = 0.5
    slow: float = 0.0
    slow_delay: float = 0.2
    non_json: float = 0.0


@attrs.frozen(kw_only=True)
class Fault:
    """What to do to one request.

    Attributes:
        kind: `status` (error answer), `drop` (no answer), `non_json` (HTML 502) or `slow`.
        status: The status of a `status` fault.
        after_action: Let the handler act first, then apply the fault.
        delay: Seconds to wait before handling.
        body: Replacement body (mapping: JSON; string: text/html).
        headers: Extra headers of the faulty answer.
    """

    kind: FaultKind
    status: int = 503
    after_action: bool = False
    delay: float = 0.0
    body: Mapping[str, object] | str | None = None
    headers: Mapping[str, str] = attrs.Factory(dict)


@attrs.define(kw_only=True)
class FaultRule:
    """A scripted fault registered with `FakeOEC.fail_next`.

    Attributes:
        method: HTTP method to match (`*` matches any).
        path_template: Path relative to the base URL; `{name}` matches one path segment.
        fault: The fault to apply.
        remaining: How many more matching requests it applies to.
        hits: How many requests it has been applied to.
    """

    method: str
    path_template: str
    fault: Fault
    remaining: int
    hits: int = 0
    _pattern: re.Pattern[str] = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        """Compile the template into a regex."""
        parts = re.split(r"(\{[^}/]*\})", self.path_template.rstrip("/") or "/")
        regex = "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
        self._pattern = re.compile(f"^{regex}/?$")

    def matches(self, method: str, path: str) -> bool:
        """Return True if this rule still applies to `method` and `path`."""
        if self.remaining <= 0:
            return False
        return self.method in ("*", method.upper()) and bool(self._pattern.match(path))


class FaultInjector:
    """Decides, per request, whether and how to misbehave."""

    def __init__(self, config: FaultConfig, seed: int) -> None:
        """Create the injector with its own seeded random generator."""
        self.config = config
        self.rules: list[FaultRule] = []
        self._rng = random.Random(f"{seed}:faults")

    def add_rule(self, rule: FaultRule) -> FaultRule:
        """Register a scripted rule (checked before random faults) and return it."""
        self.rules.append(rule)
        return rule

    def plan(self, method: str, path: str) -> Fault | None:
        """Return the fault for this request, if any (consumes one use of a matching rule)."""
        for rule in self.rules:
            if rule.matches(method, path):
                rule.remaining -= 1
                rule.hits += 1
                return rule.fault
        return self._random(method)

    def _random(self, method: str) -> Fault | None:
        cfg = self.config
        roll = self._rng.random()
        table: tuple[tuple[float, Fault], ...] = (
            (cfg.error_500, Fault(kind="status", status=500)),
            (cfg.error_502, Fault(kind="status", status=502)),
            (cfg.error_503, Fault(kind="status", status=503)),
            (cfg.non_json, Fault(kind="non_json", status=502)),
            (cfg.slow, Fault(kind="slow", delay=cfg.slow_delay)),
        )
        if roll < cfg.drop:
            after = method.upper() != "GET" and self._rng.random() < cfg.drop_after_action
            return Fault(kind="drop", after_action=after)
        roll -= cfg.drop
        for share, fault in table:
            if roll < share:
                return fault
            roll -= share
        return None
