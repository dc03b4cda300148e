"""`python -m oec_async.testing` options, read without starting a process."""

from __future__ import annotations

import pytest

from oec_async.testing.__main__ import build, parse_args


def test_dialect_defaults_to_live() -> None:
    assert build(parse_args([])).dialect == "live"


def test_dialect_docs_is_passed_to_the_fake() -> None:
    assert build(parse_args(["--dialect", "docs"])).dialect == "docs"


def test_an_unknown_dialect_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse_args(["--dialect", "beta"])
    assert "invalid choice: 'beta'" in capsys.readouterr().err


@pytest.mark.parametrize("spelling", ["--failure-rate", "--fail-rate"])
def test_failure_rate_has_one_name_and_keeps_the_old_one(spelling: str) -> None:
    assert parse_args([spelling, "0.25"]).failure_rate == 0.25


def test_help_shows_only_the_new_spelling(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse_args(["--help"])
    shown = capsys.readouterr().out
    assert "--failure-rate" in shown
    assert "--fail-rate" not in shown
