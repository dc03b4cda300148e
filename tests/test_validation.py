"""The checks of the caller's input, each a rule of the API or of HTTP, done before any request."""

from __future__ import annotations

import math
from urllib.parse import quote, quote_plus
from uuid import UUID

import pytest

from oec_async import (
    ActionResult,
    ApiKey,
    Backup,
    Deployment,
    Environment,
    EnvironmentStatus,
    LastDeploy,
    Project,
    Server,
    TaskStatus,
    Webhook,
)
from oec_async._validation import (
    check_api_key,
    check_api_key_id,
    check_backup_id,
    check_base_url,
    check_choice,
    check_environment_id,
    check_events,
    check_header_value,
    check_idempotency_key,
    check_int_range,
    check_module_names,
    check_positive_number,
    check_project_id,
    check_server_id,
    check_task_id,
    check_uuid,
    check_webhook_id,
    check_webhook_url,
    is_local_address,
    is_loopback,
    last_id_in_path,
    parse_uuid,
    task_uuid,
)

ENV = "00000000-0000-4000-8000-000000000004"
TASK = "00000000-0000-4000-8000-000000000005"
KEY = "oec_live_rw_s3cr3t+/=key"

# --- ids ---------------------------------------------------------------------------------


def test_a_uuid_becomes_its_canonical_string() -> None:
    assert check_uuid(UUID(ENV), "environment_id") == ENV


def test_an_id_already_in_canonical_form_is_passed_through() -> None:
    assert check_uuid(ENV, "environment_id") is ENV


@pytest.mark.parametrize("given", [ENV.upper(), "{" + ENV + "}", ENV.replace("-", "")])
def test_any_form_uuid_reads_becomes_the_canonical_string(given: str) -> None:
    assert check_uuid(given, "environment_id") == ENV


@pytest.mark.parametrize("bad", ["", "not-a-uuid", ENV + "0", ENV[:-1] + "g"])
def test_a_malformed_id_is_refused_naming_the_argument(bad: str) -> None:
    with pytest.raises(ValueError, match="environment_id must be a UUID"):
        check_uuid(bad, "environment_id")


@pytest.mark.parametrize("bad", [None, 42, b"bytes", ["list"]])
def test_an_id_of_the_wrong_type_is_a_type_error(bad: object) -> None:
    with pytest.raises(TypeError, match="task_id must be a UUID"):
        check_uuid(bad, "task_id")  # type: ignore[arg-type]


def test_a_long_bad_id_is_shown_shortened() -> None:
    with pytest.raises(ValueError, match="task_id must be a UUID") as caught:
        check_uuid("x" * 500, "task_id")
    assert len(str(caught.value)) < 120


def test_the_converter_and_the_arguments_share_one_id_parser() -> None:
    assert parse_uuid(ENV.upper()) == UUID(ENV)
    with pytest.raises(ValueError, match="not a UUID: 'nope'"):
        parse_uuid("nope")


@pytest.mark.parametrize(
    ("check", "model"),
    [
        (check_environment_id, Environment(id=UUID(ENV))),
        (check_project_id, Project(id=UUID(ENV))),
        (check_server_id, Server(id=UUID(ENV))),
        (check_backup_id, Backup(id=UUID(ENV))),
        (check_webhook_id, Webhook(id=UUID(ENV))),
        (check_api_key_id, ApiKey(id=UUID(ENV))),
    ],
)
def test_a_model_is_accepted_where_its_id_is_taken(check: object, model: object) -> None:
    assert check(model) == ENV  # type: ignore[operator]


@pytest.mark.parametrize(
    "task",
    [
        TASK,
        UUID(TASK),
        ActionResult(task_id=UUID(TASK)),
        Deployment(id=UUID(TASK)),
        LastDeploy(id=UUID(TASK)),
    ],
)
def test_a_task_is_taken_by_id_action_result_deployment_or_last_deploy(task: object) -> None:
    assert check_task_id(task) == TASK  # type: ignore[arg-type]
    assert task_uuid(task) == UUID(TASK)  # type: ignore[arg-type]


def test_a_model_of_another_kind_is_refused_naming_what_is_taken() -> None:
    with pytest.raises(
        TypeError, match="must be a UUID, a UUID string or an Environment, got Project"
    ):
        check_environment_id(Project(id=UUID(ENV)))  # type: ignore[arg-type]


# --- numbers -----------------------------------------------------------------------------


@pytest.mark.parametrize("value", [1, 50, 100])
def test_an_int_in_range_is_returned(value: int) -> None:
    assert check_int_range(value, "limit", 1, 100) == value


@pytest.mark.parametrize("value", [0, 101, -5])
def test_an_int_out_of_range_names_the_bounds(value: int) -> None:
    with pytest.raises(ValueError, match=r"limit must be within 1\.\.100"):
        check_int_range(value, "limit", 1, 100)


@pytest.mark.parametrize("value", [True, 1.0, "5", None])
def test_a_non_int_limit_is_a_type_error(value: object) -> None:
    with pytest.raises(TypeError, match="limit must be an integer"):
        check_int_range(value, "limit", 1, 100)  # type: ignore[arg-type]


def test_an_open_range_names_its_lower_bound() -> None:
    with pytest.raises(ValueError, match="max_items must be within >= 0"):
        check_int_range(-1, "max_items", 0)


@pytest.mark.parametrize("value", [None, 0.5, 3, 600.0])
def test_a_positive_duration_or_none_is_accepted(value: float | None) -> None:
    result = check_positive_number(value, "timeout")
    assert result == value
    assert result is None or isinstance(result, float)


@pytest.mark.parametrize("value", [0, -1, math.nan, math.inf])
def test_a_duration_must_be_finite_and_positive(value: float) -> None:
    with pytest.raises(ValueError, match="timeout must be a finite number of seconds > 0"):
        check_positive_number(value, "timeout")


@pytest.mark.parametrize("value", [True, "10"])
def test_a_duration_of_the_wrong_type_is_a_type_error(value: object) -> None:
    with pytest.raises(TypeError, match="timeout must be a number of seconds"):
        check_positive_number(value, "timeout")  # type: ignore[arg-type]


# --- module names, choices, events ---------------------------------------------------------


def test_module_names_come_back_as_a_list() -> None:
    assert check_module_names(("sale_custom", "all")) == ["sale_custom", "all"]


def test_fifty_module_names_are_allowed() -> None:
    assert len(check_module_names([f"m{i}" for i in range(50)])) == 50


@pytest.mark.parametrize("count", [0, 51])
def test_module_name_lists_hold_one_to_fifty(count: int) -> None:
    with pytest.raises(ValueError, match=r"1\.\.50 module names"):
        check_module_names([f"m{i}" for i in range(count)])


@pytest.mark.parametrize("bad", ["Sale", "sale-custom", "", "x" * 65, "sale\n", "sale custom"])
def test_a_module_name_must_match_the_api_rule(bad: str) -> None:
    with pytest.raises(ValueError, match="invalid module name"):
        check_module_names([bad])


def test_a_single_string_is_not_a_list_of_modules() -> None:
    with pytest.raises(TypeError, match="not a single string"):
        check_module_names("sale_custom")


def test_an_unknown_choice_lists_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="status must be one of") as caught:
        check_choice("bogus", "status", EnvironmentStatus)
    message = str(caught.value)
    assert "status must be one of" in message
    assert all(member.value in message for member in EnvironmentStatus)


@pytest.mark.parametrize("status", ["failed", "error"])
def test_both_the_docs_and_the_live_failure_statuses_are_valid_filters(status: str) -> None:
    assert check_choice(status, "status", EnvironmentStatus) == status


def test_a_choice_may_be_given_as_its_member() -> None:
    assert check_choice(EnvironmentStatus.RUNNING, "status", EnvironmentStatus) == "running"


def test_case_is_folded_only_where_the_api_folds_it() -> None:
    assert check_choice("RUNNING", "status", EnvironmentStatus, fold_case=True) == "running"
    with pytest.raises(ValueError, match="must be one of"):
        check_choice("RUNNING", "status", EnvironmentStatus)


def test_an_unknown_member_read_from_an_answer_is_not_a_valid_filter() -> None:
    with pytest.raises(ValueError, match="must be one of"):
        check_choice(TaskStatus("rolling_back"), "status", TaskStatus)


def test_every_subscribable_event_may_be_subscribed_at_once() -> None:
    from oec_async._validation import SUBSCRIBABLE_EVENTS

    assert check_events(SUBSCRIBABLE_EVENTS) == list(SUBSCRIBABLE_EVENTS)


def test_duplicate_events_are_dropped_keeping_the_order() -> None:
    events = ["deploy.failed", "deploy.started", "deploy.failed"]
    assert check_events(events) == ["deploy.failed", "deploy.started"]


# --- header values and idempotency keys -------------------------------------------------


@pytest.mark.parametrize(("char", "shown"), [("\r", "CR"), ("\n", "LF"), ("\0", "NUL")])
def test_a_header_value_with_a_control_character_is_refused_naming_the_header(
    char: str, shown: str
) -> None:
    with pytest.raises(ValueError, match=f"the User-Agent header value .* found {shown}"):
        check_header_value(f"my-tool/1.0{char}X-Injected: 1", "User-Agent")


def test_a_refused_header_value_is_not_echoed() -> None:
    with pytest.raises(ValueError, match="X-Secret") as caught:
        check_header_value("s3cr3t-value\r\n", "X-Secret")
    assert "s3cr3t" not in str(caught.value)


def test_a_plain_header_value_is_returned() -> None:
    assert check_header_value("oec-async/1.0 (ci)", "User-Agent") == "oec-async/1.0 (ci)"


@pytest.mark.parametrize("key", ["a", "x" * 255, "release-42:env/deploy", "~!@#$%^&*()_+"])
def test_an_idempotency_key_is_one_to_255_printable_ascii_characters(key: str) -> None:
    assert check_idempotency_key(key) == key


def test_no_idempotency_key_means_one_is_generated() -> None:
    assert check_idempotency_key(None) is None


@pytest.mark.parametrize("key", ["", "x" * 256, "x" * 300])
def test_an_idempotency_key_of_the_wrong_length_is_refused(key: str) -> None:
    with pytest.raises(ValueError, match=r"idempotency_key must be 1\.\.255 characters long"):
        check_idempotency_key(key)


@pytest.mark.parametrize("key", ["key\r\nX-Evil: 1", "key\0", "tab\there", "del\x7f"])
def test_an_idempotency_key_with_a_control_character_is_refused(key: str) -> None:
    with pytest.raises(ValueError, match="Idempotency-Key header value must not contain control"):
        check_idempotency_key(key)


@pytest.mark.parametrize("key", ["clé", "emoji-\N{ROCKET}"])
def test_an_idempotency_key_must_be_ascii(key: str) -> None:
    with pytest.raises(ValueError, match="printable ASCII"):
        check_idempotency_key(key)


@pytest.mark.parametrize("key", [" padded", "padded "])
def test_an_idempotency_key_may_not_start_or_end_with_a_space(key: str) -> None:
    with pytest.raises(ValueError, match="must not start or end with a space"):
        check_idempotency_key(key)


def test_an_idempotency_key_must_be_a_string() -> None:
    with pytest.raises(TypeError, match="idempotency_key must be a string"):
        check_idempotency_key(42)  # type: ignore[arg-type]


# --- loopback and local addresses --------------------------------------------------------


@pytest.mark.parametrize(
    "host",
    ["localhost", "LOCALHOST", "localhost.localdomain", "127.0.0.1", "127.9.9.9", "::1", "[::1]"],
)
def test_loopback_hosts(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize(
    "host", ["api.oec.sh", "localhost.evil.example", "10.0.0.1", "0.0.0.0", "", "128.0.0.1"]
)
def test_hosts_that_are_not_loopback(host: str) -> None:
    assert not is_loopback(host)


@pytest.mark.parametrize("host", ["10.1.2.3", "192.168.0.1", "169.254.1.1", "127.0.0.1", "fd00::1"])
def test_private_and_link_local_addresses_are_local(host: str) -> None:
    assert is_local_address(host)


def test_a_public_host_is_not_local() -> None:
    assert not is_local_address("hooks.example.com")


def test_a_loopback_webhook_url_is_allowed_only_when_the_api_itself_is_local() -> None:
    assert check_webhook_url("http://127.0.0.1:9/hook", allow_local=True)
    with pytest.raises(ValueError, match="https://"):
        check_webhook_url("http://127.0.0.1:9/hook")


def test_a_webhook_url_with_a_control_character_is_refused() -> None:
    with pytest.raises(ValueError, match="control characters"):
        check_webhook_url("https://hooks.example.com/\x00x")


# --- the base URL and the key --------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        f"https://user:{KEY}@api.oec.sh/api",
        f"https://{KEY}@api.oec.sh/api",
        f"https://{quote(KEY, safe='')}@api.oec.sh",
        f"https://api.oec.sh/api?api_key={KEY}",
        f"https://api.oec.sh/api?api_key={quote_plus(KEY)}",
        f"https://api.oec.sh/api#{KEY}",
        f"http://user:{KEY}@evil.example/api",
        f"ftp://user:{KEY}@evil.example/api",
        f"user:{KEY}@evil.example",
    ],
)
def test_a_base_url_carrying_the_key_is_refused_without_showing_it(url: str) -> None:
    with pytest.raises(ValueError, match="base_url") as caught:
        check_base_url(url, secret=KEY)
    message = str(caught.value)
    for form in (KEY, quote(KEY, safe=""), quote_plus(KEY), "s3cr3t"):
        assert form not in message


def test_the_key_in_a_base_url_path_is_masked_in_the_message() -> None:
    with pytest.raises(ValueError, match="plain http") as caught:
        check_base_url(f"http://evil.example/{quote(KEY, safe='')}/api", secret=KEY)
    assert "s3cr3t" not in str(caught.value)
    assert "evil.example" in str(caught.value)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://api.oec.sh/api/public/v1/", "https://api.oec.sh/api/public/v1"),
        ("  https://api.oec.sh/api  ", "https://api.oec.sh/api"),
        ("http://127.0.0.1:8765/api/public/v1", "http://127.0.0.1:8765/api/public/v1"),
        ("http://[::1]:9/api", "http://[::1]:9/api"),
    ],
)
def test_a_good_base_url_comes_back_without_a_trailing_slash(url: str, expected: str) -> None:
    assert check_base_url(url) == expected


def test_plain_http_to_a_remote_host_needs_the_explicit_opt_in() -> None:
    with pytest.raises(ValueError, match="plain http to a non-loopback host"):
        check_base_url("http://api.example.com/api")
    assert check_base_url("http://api.example.com/api", allow_insecure_http=True)


@pytest.mark.parametrize("url", ["https://api.oec.sh/a\r\nb", "https://api.oec.sh/a b"])
def test_a_base_url_with_spaces_or_control_characters_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="spaces or control characters"):
        check_base_url(url)


@pytest.mark.parametrize("key", ["oec_live_rw_ab cd", "oec\nlive", "oec_live_rw_\x00x", "clé"])
def test_a_key_that_cannot_be_a_header_value_is_refused_without_echoing_it(key: str) -> None:
    with pytest.raises(
        ValueError, match="api_key must not contain whitespace or control"
    ) as caught:
        check_api_key(key)
    assert key not in str(caught.value)


def test_the_key_is_read_from_the_environment_when_not_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OEC_API_KEY", "  oec_live_ro_env  ")
    assert check_api_key(None) == "oec_live_ro_env"


def test_no_key_anywhere_says_how_to_give_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OEC_API_KEY", raising=False)
    with pytest.raises(ValueError, match=r"pass api_key=\.\.\. or set OEC_API_KEY"):
        check_api_key(None)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (f"/deployments/{TASK}", TASK),
        (f"/environments/{ENV}/status", ENV),
        (f"/environments/{ENV}/deployments/{TASK}/logs", TASK),
        ("/org/usage", None),
    ],
)
def test_the_last_id_of_a_path_is_the_object_asked_about(path: str, expected: str | None) -> None:
    assert last_id_in_path(path) == expected
