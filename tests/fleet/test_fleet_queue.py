"""The poll queue: confirmations first, then by due time; superseded entries never count."""

from __future__ import annotations

import math
from uuid import uuid4

from oec_async.fleet._watch import PollQueue, Watch


def watch() -> Watch:
    return Watch(uuid4(), uuid4(), project_id=None, action="deploy", registered_at=0.0)


def test_the_earliest_due_watch_comes_first() -> None:
    queue = PollQueue(lambda w: True)
    late, early = watch(), watch()
    queue.push(late, 5.0)
    queue.push(early, 2.0)
    assert queue.pop_due(10.0) == (early, 10.0)
    assert queue.pop_due(10.0) == (late, 10.0)


def test_nothing_due_yet_tells_when_to_look_again() -> None:
    queue = PollQueue(lambda w: True)
    queue.push(watch(), 5.0)
    assert queue.pop_due(1.0) == (None, 5.0)


def test_an_empty_queue_has_nothing_ever() -> None:
    assert PollQueue(lambda w: True).pop_due(1.0) == (None, math.inf)


def test_queuing_a_watch_again_supersedes_its_earlier_time() -> None:
    queue = PollQueue(lambda w: True)
    w = watch()
    queue.push(w, 1.0)
    queue.push(w, 7.0)
    assert queue.pop_due(5.0) == (None, 7.0)
    assert queue.pop_due(7.0) == (w, 7.0)
    assert queue.pop_due(100.0) == (None, math.inf)


def test_watches_no_longer_followed_are_dropped() -> None:
    gone = watch()
    queue = PollQueue(lambda w: w is not gone)
    queue.push(gone, 1.0)
    assert queue.pop_due(5.0) == (None, math.inf)


def test_urgent_watches_come_before_due_ones_and_only_while_hinted() -> None:
    queue = PollQueue(lambda w: True)
    first, second = watch(), watch()
    first.hinted = True
    queue.urgent(second)  # not hinted (any more): skipped
    queue.urgent(first)
    assert queue.pop_urgent() is first
    assert queue.pop_urgent() is None
