"""Argument checks that fail before any request is sent."""

from __future__ import annotations

import math
from uuid import UUID

import pytest

from oec_async._validation import (
    ensure_int_range,
    ensure_module_names,
    ensure_positive_number,
    ensure_uuid,
)

ENV = "00000000-0000-4000-8000-000000000004"


def test_a_uuid_becomes_its_canonical_string() -> None:
    assert ensure_uuid(UUID(ENV), "environment_id") == ENV


def test_a_uuid_string_is_canonicalised() -> None:
    assert ensure_uuid(ENV.upper(), "environment_id") == ENV


@pytest.mark.parametrize("spelling", ["{%s}", "urn:uuid:%s"], ids=["braces", "urn"])
def test_other_spellings_of_a_uuid_are_canonicalised(spelling: str) -> None:
    given = spelling % ENV
    assert ensure_uuid(given, "environment_id") == ENV


def test_a_canonical_uuid_string_is_returned_as_given() -> None:
    assert ensure_uuid(ENV, "environment_id") is ENV


@pytest.mark.parametrize(
    "bad", ["", "abc", "YOUR_ENV_ID", ENV + "0", ENV + "\n", "../../etc/passwd"]
)
def test_a_non_uuid_string_is_a_value_error_naming_the_argument(bad: str) -> None:
    with pytest.raises(ValueError, match="environment_id must be a UUID"):
        ensure_uuid(bad, "environment_id")


@pytest.mark.parametrize("bad", [None, 5, b"abc"])
def test_a_non_string_id_is_a_type_error_naming_the_argument(bad: object) -> None:
    with pytest.raises(TypeError, match="task_id must be a UUID"):
        ensure_uuid(bad, "task_id")  # type: ignore[arg-type]


def test_a_very_long_bad_id_is_shortened_in_the_message() -> None:
    with pytest.raises(ValueError, match=r"\.\.\.'$"):
        ensure_uuid("x" * 500, "task_id")


@pytest.mark.parametrize("value", [1, 50, 100])
def test_an_int_within_range_is_returned(value: int) -> None:
    assert ensure_int_range(value, "limit", 1, 100) == value


@pytest.mark.parametrize("value", [0, 101, -1])
def test_an_int_out_of_range_is_a_value_error_naming_the_bounds(value: int) -> None:
    with pytest.raises(ValueError, match=rf"limit must be within 1\.\.100, got {value}"):
        ensure_int_range(value, "limit", 1, 100)


@pytest.mark.parametrize("value", [True, 1.0, "5"])
def test_a_non_int_is_a_type_error(value: object) -> None:
    with pytest.raises(TypeError, match="limit must be an integer"):
        ensure_int_range(value, "limit", 1, 100)  # type: ignore[arg-type]


def test_an_open_ended_range_names_its_lower_bound() -> None:
    with pytest.raises(ValueError, match="max_items must be within >= 0"):
        ensure_int_range(-1, "max_items", 0)


@pytest.mark.parametrize("value", [None, 0.1, 5, 600.0])
def test_positive_numbers_and_none_pass(value: float | None) -> None:
    result = ensure_positive_number(value, "timeout")
    assert result == value


@pytest.mark.parametrize("value", [0, -1, math.nan, math.inf])
def test_zero_negative_and_non_finite_numbers_are_value_errors(value: float) -> None:
    with pytest.raises(ValueError, match="timeout must be a finite number of seconds > 0"):
        ensure_positive_number(value, "timeout")


@pytest.mark.parametrize("value", [True, "5"])
def test_non_numbers_are_type_errors(value: object) -> None:
    with pytest.raises(TypeError, match="timeout must be a number of seconds"):
        ensure_positive_number(value, "timeout")  # type: ignore[arg-type]


def test_module_names_are_returned_as_a_list() -> None:
    assert ensure_module_names(("sale_custom", "all")) == ["sale_custom", "all"]


def test_fifty_module_names_are_allowed() -> None:
    assert len(ensure_module_names([f"m{i}" for i in range(50)])) == 50


@pytest.mark.parametrize("count", [0, 51])
def test_too_few_or_too_many_module_names_are_refused(count: int) -> None:
    with pytest.raises(ValueError, match=rf"modules must hold 1\.\.50 module names, got {count}"):
        ensure_module_names([f"m{i}" for i in range(count)])


@pytest.mark.parametrize("bad", ["Sale", "sale-custom", "", "a" * 65, "sale custom", "é"])
def test_module_names_breaking_the_api_rule_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="invalid module name"):
        ensure_module_names([bad])


def test_a_single_string_instead_of_a_list_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="list of module names"):
        ensure_module_names("sale_custom")


def test_a_module_name_with_a_trailing_newline_is_refused() -> None:
    with pytest.raises(ValueError, match="invalid module name"):
        ensure_module_names(["sale\n"])
