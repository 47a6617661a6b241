"""The escalation ladder: which level each receivable due line reaches today.

A policy is an ordered list of levels. A level triggers a number of days
after the due date (negative for a courtesy reminder before it). Each run
moves a line straight to the highest level it qualifies for, so an invoice
first seen late skips the earlier levels instead of receiving all of them
at once. One customer receives at most one reminder per run, which lists
every line that moved up a level in that run.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta


@dataclass(frozen=True)
class Level:
    """One rung of a policy: ``days`` relative to the due date."""

    id: int
    days: int


@dataclass(frozen=True)
class Policy:
    """An escalation policy with its levels and the minimum gap between reminders."""

    id: int
    levels: tuple
    min_gap_days: int = 0

    def __post_init__(self):
        ordered = tuple(sorted(self.levels, key=lambda level: level.days))
        days = [level.days for level in ordered]
        if len(set(days)) != len(days):
            raise ValueError(f"Policy {self.id} has two levels on the same day offset: {days}.")
        if self.min_gap_days < 0:
            raise ValueError(f"Policy {self.id} has a negative minimum gap of {self.min_gap_days} days.")
        object.__setattr__(self, "levels", ordered)

    def rank(self, level_id):
        """Return the position of ``level_id`` in the ladder, -1 for no level."""
        for position, level in enumerate(self.levels):
            if level.id == level_id:
                return position
        return -1


@dataclass(frozen=True)
class DueLine:
    """A receivable due line in the form the ladder reads."""

    id: int
    partner_id: int
    due_date: date
    residual: float
    current_level_id: int = 0
    excluded: bool = False
    # Level the line moves to at the next run even when it is not that late yet,
    # for example after a broken payment plan; 0 for none.
    floor_level_id: int = 0


@dataclass
class PlannedReminder:
    """One customer's reminder in a run: the tone level and each line's new level."""

    partner_id: int
    policy_id: int
    level_id: int
    line_levels: dict = field(default_factory=dict)


def target_level(policy, days):
    """Return the highest level of ``policy`` that triggers at ``days`` overdue, or None."""
    reached = None
    for level in policy.levels:
        if level.days <= days:
            reached = level
        else:
            break
    return reached


def escalation_for_line(policy, line, today):
    """Return the level ``line`` moves up to today, or None when it stays where it is."""
    if line.excluded or line.residual <= 0:
        return None
    level = target_level(policy, (today - line.due_date).days)
    floor_rank = policy.rank(line.floor_level_id) if line.floor_level_id else -1
    if floor_rank > (policy.rank(level.id) if level else -1):
        level = policy.levels[floor_rank]
    if level is None:
        return None
    if policy.rank(level.id) <= policy.rank(line.current_level_id):
        return None
    return level


def gap_end(last_reminder_date, min_gap_days):
    """Return the first date on which a customer may receive another reminder."""
    if last_reminder_date is None or min_gap_days <= 0:
        return None
    return last_reminder_date + timedelta(days=min_gap_days)


def plan_run(lines, policy_by_partner, last_reminder_by_partner, today):
    """Decide the reminders of one run.

    ``policy_by_partner`` maps a customer id to its Policy and
    ``last_reminder_by_partner`` to the date of its last reminder. A
    customer inside its minimum gap gets nothing today; its lines keep
    their levels, so the next allowed run includes them. Customers without
    a policy are skipped. Return the planned reminders, one per customer,
    ordered by customer id.
    """
    planned = {}
    for line in lines:
        policy = policy_by_partner.get(line.partner_id)
        if policy is None:
            continue
        allowed_from = gap_end(last_reminder_by_partner.get(line.partner_id), policy.min_gap_days)
        if allowed_from is not None and today < allowed_from:
            continue
        level = escalation_for_line(policy, line, today)
        if level is None:
            continue

        reminder = planned.get(line.partner_id)
        if reminder is None:
            reminder = planned[line.partner_id] = PlannedReminder(line.partner_id, policy.id, level.id)
        elif policy.rank(level.id) > policy.rank(reminder.level_id):
            reminder.level_id = level.id
        reminder.line_levels[line.id] = level.id
    return [planned[partner_id] for partner_id in sorted(planned)]


def next_reminder_date(policy, line, last_reminder_date, today):
    """Return the date of the line's next reminder, or None when none is due.

    The next reminder comes when the line reaches the level above its
    current one, but never inside the customer's minimum gap. A line that
    already qualifies for a higher level is due today (or when the gap ends).
    """
    if line.excluded or line.residual <= 0:
        return None
    current_rank = policy.rank(line.current_level_id)
    upcoming = [level for position, level in enumerate(policy.levels) if position > current_rank]
    if not upcoming:
        return None
    due = max(line.due_date + timedelta(days=upcoming[0].days), today)
    if line.floor_level_id and policy.rank(line.floor_level_id) > current_rank:
        due = today
    allowed_from = gap_end(last_reminder_date, policy.min_gap_days)
    if allowed_from is not None and allowed_from > due:
        due = allowed_from
    return due
