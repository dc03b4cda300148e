"""Property: paced sends never exceed the server's limit in any window, however late they arrive.

The server counts a request when it arrives, somewhere between the moment its slot was taken
and the moment its answer comes back. A discrete-event simulation on a fake clock sends bursts
with arbitrary latencies and arrival points, releasing each slot when its answer arrives, and
counts the arrivals the way the server does.
"""

from __future__ import annotations

import heapq

from hardening_support import PROPERTY
from hypothesis import given, strategies as st
from support import FakeTime, fake_governor

from oec_async._ratelimit import WRITE, Slot

LIMIT = 5
WINDOW = 60.0  # fake_governor's window

requests = st.lists(
    st.tuples(
        st.floats(min_value=0.0, max_value=WINDOW * 0.99),  # latency: in flight under a window
        st.floats(min_value=0.0, max_value=1.0),  # where in flight the server sees it
        st.floats(min_value=0.0, max_value=WINDOW),  # idle time before the caller sends it
    ),
    min_size=1,
    max_size=40,
)


def most_in_any_window(arrivals: list[float]) -> int:
    """The largest number of arrivals in one window, wherever the server's window starts."""
    ordered = sorted(arrivals)
    return max(sum(1 for t in ordered if start <= t < start + WINDOW) for start in ordered)


@PROPERTY
@given(requests=requests)
async def test_no_window_of_server_arrivals_holds_more_than_the_limit(
    requests: list[tuple[float, float, float]],
) -> None:
    time_ = FakeTime()
    gov = fake_governor(time_, writes=LIMIT)
    answers: list[tuple[float, int, Slot]] = []  # (when the answer arrives, order, the slot)
    arrivals: list[float] = []

    def answer_due(until: float) -> None:
        while answers and answers[0][0] <= until:
            answered_at, _, slot = heapq.heappop(answers)
            time_.now = max(time_.now, answered_at)
            gov.release(slot)

    for latency, seen_at, idle in requests:
        send_at = time_.now + idle * (idle > WINDOW / 2)  # about half come in bursts
        answer_due(send_at)  # each answer released at its own time, in order
        time_.now = send_at
        while (wait := gov.delay_for(WRITE)) > 0:  # answers may free the budget sooner
            if answers and answers[0][0] <= time_.now + wait:
                answer_due(answers[0][0])
            else:
                time_.now += wait
        slot = await gov.acquire_slot(WRITE)
        taken = slot.taken_at
        assert taken == time_.now
        arrivals.append(taken + seen_at * latency)
        heapq.heappush(answers, (taken + latency, len(arrivals), slot))

    assert most_in_any_window(arrivals) <= LIMIT
