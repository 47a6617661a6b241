"""State of one SLA timer at a moment, and where its business time went.

A timer starts at ``start``, aims at ``target`` business time, does not run
during ``pauses`` and, once finished, stops at ``stop``. All values use the
unit of the :class:`~.business_time.WorkSchedule` they are read against.
"""

from collections import defaultdict
from dataclasses import dataclass


@dataclass(frozen=True)
class TimerFacts:
    """Input of :func:`read_timer`.

    ``pauses`` are ``(start, end)`` pairs, where ``end`` is ``None`` for a
    pause that is still open. ``stop`` is ``None`` while the timer runs.
    """

    start: float
    target: float
    pauses: tuple = ()
    stop: float | None = None


@dataclass(frozen=True)
class TimerReading:
    """Output of :func:`read_timer`.

    ``deadline`` and ``warning_at`` are ``None`` when an open pause holds the
    clock before they are reached. ``remaining`` is negative once the target is
    overrun. ``breached`` is true when the timer ran past its deadline.
    """

    deadline: float | None
    warning_at: float | None
    consumed: float
    remaining: float
    paused: bool
    breached: bool


def read_timer(schedule, facts, now, warning_share=None):
    """Read ``facts`` against ``schedule`` at ``now``.

    ``warning_share`` is the share of the target (strictly between 0 and 1)
    after which the timer is at risk, and ``None`` disables the warning moment.
    Raises :class:`~.business_time.ScheduleExhaustedError` when the schedule
    ends before the deadline or the warning moment.
    """
    until = facts.stop if facts.stop is not None else now
    if facts.stop is not None:
        # A pause that starts when the timer stops (closing the ticket) is not part of its life.
        pauses = [(start, end) for start, end in facts.pauses if start < until]
    else:
        pauses = [(start, end) for start, end in facts.pauses if start <= until]
    consumed = schedule.elapsed_excluding(facts.start, until, pauses)
    deadline = schedule.add_excluding(facts.start, facts.target, pauses)
    warning_at = None
    if warning_share is not None and 0 < warning_share < 1:
        warning_at = schedule.add_excluding(facts.start, facts.target * warning_share, pauses)
    paused = facts.stop is None and any(end is None for _start, end in pauses)
    return TimerReading(
        deadline=deadline,
        warning_at=warning_at,
        consumed=consumed,
        remaining=facts.target - consumed,
        paused=paused,
        breached=deadline is not None and until > deadline,
    )


def consumption_by_holder(schedule, start, until, changes, pauses):
    """Return the business time outside ``pauses`` that each holder used between ``start`` and ``until``.

    ``changes`` are ``(moment, holder)`` pairs in any order: from each moment
    on, ``holder`` (a stage, an assignee or any hashable key) held the ticket.
    Time before the first change belongs to the first holder. Holders with no
    business time are left out.
    """
    ordered = sorted(changes, key=lambda change: change[0])
    if not ordered or until <= start:
        return {}
    totals = defaultdict(int)
    for index, (moment, holder) in enumerate(ordered):
        segment_start = start if index == 0 else max(moment, start)
        segment_end = ordered[index + 1][0] if index + 1 < len(ordered) else until
        segment_end = min(segment_end, until)
        if segment_end > segment_start:
            totals[holder] += schedule.elapsed_excluding(segment_start, segment_end, pauses)
    return {holder: seconds for holder, seconds in totals.items() if seconds > 0}
