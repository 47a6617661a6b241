"""Tests of reading SLA timers and splitting their business time by holder."""

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from customer_service_optimization.logic.business_time import WorkSchedule
from customer_service_optimization.logic.timer_clock import TimerFacts, consumption_by_holder, read_timer

# Five working "days" of 8 units with gaps of 16 units, like 09:00-17:00.
WEEK = WorkSchedule([(day * 24 + 9, day * 24 + 17) for day in range(5)], covers_until=120)

pause = st.tuples(st.integers(0, 120), st.integers(0, 30)).map(lambda p: (p[0], p[0] + p[1]))


def test_running_timer_before_deadline():
    reading = read_timer(WEEK, TimerFacts(start=10, target=10), now=12, warning_share=0.8)

    assert reading.deadline == 24 + 9 + 3
    assert reading.warning_at == 24 + 9 + 1
    assert reading.consumed == 2
    assert reading.remaining == 8
    assert not reading.paused
    assert not reading.breached


def test_running_timer_after_deadline_is_breached():
    reading = read_timer(WEEK, TimerFacts(start=10, target=4), now=15)

    assert reading.deadline == 14
    assert reading.breached
    assert reading.remaining == -1


def test_stop_at_deadline_is_achieved():
    # The deadline falls at 17:00; stopping at 17:00 exactly keeps the target.
    reading = read_timer(WEEK, TimerFacts(start=9, target=8, stop=17), now=40)

    assert reading.deadline == 17
    assert not reading.breached
    assert reading.consumed == 8


def test_stopped_timer_keeps_consumed_time():
    reading = read_timer(WEEK, TimerFacts(start=9, target=20, stop=24 + 11), now=100)

    assert reading.consumed == 10
    assert not reading.paused
    assert not reading.breached


def test_open_pause_holds_clock():
    reading = read_timer(WEEK, TimerFacts(start=9, target=10, pauses=((12, None),)), now=24 + 15)

    assert reading.deadline is None
    assert reading.warning_at is None
    assert reading.consumed == 3
    assert reading.paused
    assert not reading.breached


def test_pause_after_breach_keeps_deadline():
    reading = read_timer(WEEK, TimerFacts(start=9, target=2, pauses=((14, None),)), now=15)

    assert reading.deadline == 11
    assert reading.paused
    assert reading.breached


def test_closed_pause_moves_deadline():
    reading = read_timer(WEEK, TimerFacts(start=9, target=8, pauses=((11, 24 + 11),)), now=24 + 12)

    assert reading.deadline == 24 + 17
    assert reading.consumed == 3


def test_pause_starting_after_stop_is_ignored():
    reading = read_timer(WEEK, TimerFacts(start=9, target=4, pauses=((12, None),), stop=12), now=30)

    assert reading.consumed == 3
    assert not reading.paused
    assert not reading.breached


def test_warning_share_outside_range_gives_no_warning():
    assert read_timer(WEEK, TimerFacts(start=9, target=4), now=9, warning_share=1).warning_at is None
    assert read_timer(WEEK, TimerFacts(start=9, target=4), now=9, warning_share=0).warning_at is None


@settings(deadline=None)
@given(st.integers(0, 60), st.integers(0, 120), st.lists(pause, max_size=3), st.data())
def test_reading_is_consistent(start, now, pauses, data):
    assume(now >= start)
    # Pauses lie in the past: a ticket cannot be paused later than now.
    pauses = [(pause_start, end) for pause_start, end in pauses if pause_start <= now]
    available = WEEK.elapsed_excluding(start, 119, pauses)
    assume(available >= 1)
    target = data.draw(st.integers(1, available))
    reading = read_timer(WEEK, TimerFacts(start=start, target=target, pauses=tuple(pauses)), now, warning_share=0.5)

    assert WEEK.elapsed_excluding(start, reading.deadline, pauses) == target
    assert reading.warning_at <= reading.deadline
    assert reading.breached == (now > reading.deadline)
    assert reading.consumed + reading.remaining == target


def test_consumption_by_holder_splits_time():
    changes = [(9, "New"), (11, "In Progress"), (24 + 10, "New")]

    totals = consumption_by_holder(WEEK, 9, 24 + 12, changes, pauses=[(13, 15)])

    assert totals == {"New": 2 + 2, "In Progress": 2 + 2 + 1}


def test_consumption_by_holder_leaves_out_idle_holders():
    changes = [(9, "Alice"), (20, "Bob"), (22, "Carol")]

    assert consumption_by_holder(WEEK, 9, 24 + 10, changes, pauses=[]) == {"Alice": 8, "Carol": 1}


@settings(deadline=None)
@given(
    st.integers(0, 60),
    st.integers(0, 120),
    st.lists(st.tuples(st.integers(0, 120), st.sampled_from("ABC")), min_size=1, max_size=6),
    st.lists(pause, max_size=3),
)
def test_consumption_by_holder_adds_up(start, until, changes, pauses):
    totals = consumption_by_holder(WEEK, start, until, changes, pauses)

    assert sum(totals.values()) == WEEK.elapsed_excluding(start, until, pauses)
