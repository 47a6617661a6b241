"""Tests of arrears_management.logic.ladder: escalation levels and reminder planning."""

import dataclasses
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arrears_management.logic import ladder
from arrears_management.logic.ladder import DueLine, Level, Policy

PROPERTY_SETTINGS = settings(max_examples=60, deadline=None, database=None)

TODAY = date(2024, 6, 14)

# A courtesy reminder three days before the due date, then three reminders after it.
LADDER = Policy(
    7,
    (Level(21, -3), Level(22, 7), Level(23, 30), Level(24, 60)),
    min_gap_days=5,
)


def days_ago(count):
    return TODAY - timedelta(days=count)


def line(line_id=1, partner_id=1, due=None, residual=100.0, level=0, excluded=False):
    return DueLine(
        id=line_id,
        partner_id=partner_id,
        due_date=due or TODAY,
        residual=residual,
        current_level_id=level,
        excluded=excluded,
    )


# Scenario generation for the property tests.


@dataclass
class Scenario:
    lines: list
    policies: dict
    last_reminders: dict
    today: date


@st.composite
def policies(draw, policy_id):
    count = draw(st.integers(1, 5))
    offsets = draw(st.lists(st.integers(-10, 120), min_size=count, max_size=count, unique=True))
    # Level ids are not in day order, as in the database, where a level can be added later.
    level_ids = draw(st.permutations(range(policy_id * 100 + 1, policy_id * 100 + 1 + count)))
    levels = tuple(Level(level_id, offset) for level_id, offset in zip(level_ids, offsets, strict=True))
    return Policy(policy_id, levels, draw(st.integers(0, 15)))


@st.composite
def scenarios(draw):
    today = draw(st.dates(date(2023, 1, 1), date(2026, 12, 31)))
    shared = draw(policies(1))
    partner_policies = {}
    for partner_id in range(1, 5):
        # Partner 4 may have no policy: the model skips customers without one.
        choice = draw(st.sampled_from(["shared", "own", "none"] if partner_id == 4 else ["shared", "own"]))
        if choice == "shared":
            partner_policies[partner_id] = shared
        elif choice == "own":
            partner_policies[partner_id] = draw(policies(partner_id + 1))

    last_reminders = {}
    for partner_id in range(1, 5):
        gap = draw(st.none() | st.integers(0, 20))
        if gap is not None:
            last_reminders[partner_id] = today - timedelta(days=gap)

    lines = []
    for line_id in range(1, draw(st.integers(0, 12)) + 1):
        partner_id = draw(st.integers(1, 4))
        policy = partner_policies.get(partner_id)
        level_choices = [0] + [level.id for level in policy.levels] if policy else [0]
        lines.append(
            DueLine(
                id=line_id,
                partner_id=partner_id,
                due_date=today - timedelta(days=draw(st.integers(-20, 150))),
                residual=draw(st.sampled_from([125.5, 0.01, 3000.0, 0.0, -40.0])),
                current_level_id=draw(st.sampled_from(level_choices)),
                excluded=draw(st.booleans()),
            )
        )
    return Scenario(lines, partner_policies, last_reminders, today)


def run(scenario, lines=None, today=None, last_reminders=None):
    return ladder.plan_run(
        scenario.lines if lines is None else lines,
        scenario.policies,
        scenario.last_reminders if last_reminders is None else last_reminders,
        today or scenario.today,
    )


def planned_levels(plan):
    """Return ``{line id: new level id}`` over every reminder of ``plan``."""
    return {line_id: level_id for reminder in plan for line_id, level_id in reminder.line_levels.items()}


def inside_gap(scenario, partner_id, today=None):
    policy = scenario.policies[partner_id]
    last = scenario.last_reminders.get(partner_id)
    if last is None or policy.min_gap_days <= 0:
        return False
    return (today or scenario.today) < last + timedelta(days=policy.min_gap_days)


def highest_qualifying_level(policy, due_line, today):
    """Return the level with the most days among those reached ``today``, or None."""
    overdue = (today - due_line.due_date).days
    reached = [level for level in policy.levels if level.days <= overdue]
    return max(reached, key=lambda level: level.days, default=None)


def is_top_level(policy, due_line):
    return due_line.current_level_id == max(policy.levels, key=lambda level: level.days).id


def escalates_ignoring_gap(scenario, due_line, today):
    """Decide independently of the ladder module whether ``due_line`` moves up ``today``."""
    policy = scenario.policies.get(due_line.partner_id)
    if policy is None or due_line.excluded or due_line.residual <= 0:
        return False
    target = highest_qualifying_level(policy, due_line, today)
    if target is None:
        return False
    current_days = {level.id: level.days for level in policy.levels}.get(due_line.current_level_id)
    return current_days is None or target.days > current_days


def apply(plan, lines):
    """Return ``lines`` with the levels that ``plan`` moved them to."""
    moved = planned_levels(plan)
    return [
        dataclasses.replace(due_line, current_level_id=moved[due_line.id]) if due_line.id in moved else due_line
        for due_line in lines
    ]


# Policy


def test_policy_sorts_levels_by_days():
    policy = Policy(1, (Level(3, 30), Level(1, -3), Level(2, 7)))

    assert [level.days for level in policy.levels] == [-3, 7, 30]


def test_policy_rejects_duplicate_offsets():
    with pytest.raises(ValueError, match="same day offset"):
        Policy(1, (Level(1, 7), Level(2, 7)))


def test_policy_rejects_negative_gap():
    with pytest.raises(ValueError, match="negative minimum gap"):
        Policy(1, (Level(1, 7),), min_gap_days=-1)


def test_policy_rank_of_levels():
    assert [LADDER.rank(level_id) for level_id in (21, 22, 23, 24)] == [0, 1, 2, 3]


def test_policy_rank_unknown_level():
    assert LADDER.rank(0) == -1
    assert LADDER.rank(99) == -1


# target_level and escalation_for_line


@pytest.mark.parametrize(
    ("days", "level_id"),
    [(-10, None), (-4, None), (-3, 21), (6, 21), (7, 22), (29, 22), (30, 23), (59, 23), (60, 24), (400, 24)],
)
def test_target_level_by_days(days, level_id):
    level = ladder.target_level(LADDER, days)

    assert (level.id if level else None) == level_id


def test_escalation_skips_excluded_line():
    assert ladder.escalation_for_line(LADDER, line(due=days_ago(40), excluded=True), TODAY) is None


@pytest.mark.parametrize("residual", [0.0, -25.0])
def test_escalation_skips_paid_line(residual):
    assert ladder.escalation_for_line(LADDER, line(due=days_ago(40), residual=residual), TODAY) is None


def test_escalation_keeps_reached_level():
    assert ladder.escalation_for_line(LADDER, line(due=days_ago(40), level=23), TODAY) is None


def test_escalation_never_moves_down():
    assert ladder.escalation_for_line(LADDER, line(due=days_ago(10), level=24), TODAY) is None


# plan_run: examples


def test_plan_late_line_jumps_to_highest_level():
    plan = ladder.plan_run([line(due=days_ago(45))], {1: LADDER}, {}, TODAY)

    assert len(plan) == 1
    assert plan[0].level_id == 23
    assert plan[0].line_levels == {1: 23}


def test_plan_courtesy_reminder_before_due_date():
    plan = ladder.plan_run([line(due=TODAY + timedelta(days=2))], {1: LADDER}, {}, TODAY)

    assert [reminder.line_levels for reminder in plan] == [{1: 21}]


def test_plan_nothing_before_first_level():
    assert ladder.plan_run([line(due=TODAY + timedelta(days=5))], {1: LADDER}, {}, TODAY) == []


def test_plan_skips_customer_without_policy():
    assert ladder.plan_run([line(partner_id=9, due=days_ago(45))], {1: LADDER}, {}, TODAY) == []


def test_plan_groups_lines_of_one_customer():
    lines = [line(1, due=days_ago(10)), line(2, due=days_ago(35)), line(3, due=days_ago(65), level=23)]

    plan = ladder.plan_run(lines, {1: LADDER}, {}, TODAY)

    assert len(plan) == 1
    assert plan[0].partner_id == 1
    assert plan[0].policy_id == 7
    assert plan[0].level_id == 24
    assert plan[0].line_levels == {1: 22, 2: 23, 3: 24}


def test_plan_level_with_highest_first():
    lines = [line(1, due=days_ago(65)), line(2, due=days_ago(10))]

    plan = ladder.plan_run(lines, {1: LADDER}, {}, TODAY)

    assert plan[0].level_id == 24


def test_plan_skips_day_before_gap_end():
    last = days_ago(4)

    assert ladder.plan_run([line(due=days_ago(40))], {1: LADDER}, {1: last}, TODAY) == []


def test_plan_sends_on_gap_end():
    last = days_ago(5)

    plan = ladder.plan_run([line(due=days_ago(40))], {1: LADDER}, {1: last}, TODAY)

    assert [reminder.line_levels for reminder in plan] == [{1: 23}]


def test_plan_zero_gap_allows_same_day():
    policy = dataclasses.replace(LADDER, min_gap_days=0)

    plan = ladder.plan_run([line(due=days_ago(40))], {1: policy}, {1: TODAY}, TODAY)

    assert [reminder.line_levels for reminder in plan] == [{1: 23}]


def test_plan_gap_of_one_customer_spares_others():
    lines = [line(1, partner_id=1, due=days_ago(40)), line(2, partner_id=2, due=days_ago(40))]

    plan = ladder.plan_run(lines, {1: LADDER, 2: LADDER}, {1: days_ago(1)}, TODAY)

    assert [reminder.partner_id for reminder in plan] == [2]


def test_plan_excluded_line_spares_siblings():
    lines = [line(1, due=days_ago(90), excluded=True), line(2, due=days_ago(8))]

    plan = ladder.plan_run(lines, {1: LADDER}, {}, TODAY)

    assert [reminder.line_levels for reminder in plan] == [{2: 22}]


def test_plan_top_level_line_spares_siblings():
    lines = [line(1, due=days_ago(90), level=24), line(2, due=days_ago(8))]

    plan = ladder.plan_run(lines, {1: LADDER}, {}, TODAY)

    assert [reminder.line_levels for reminder in plan] == [{2: 22}]


def test_plan_orders_by_partner():
    lines = [line(1, partner_id=30, due=days_ago(8)), line(2, partner_id=4, due=days_ago(8))]

    plan = ladder.plan_run(lines, {4: LADDER, 30: LADDER}, {}, TODAY)

    assert [reminder.partner_id for reminder in plan] == [4, 30]


# plan_run: properties


@PROPERTY_SETTINGS
@given(scenario=scenarios())
def test_plan_one_reminder_per_customer(scenario):
    partners = [reminder.partner_id for reminder in run(scenario)]

    assert len(partners) == len(set(partners))


@PROPERTY_SETTINGS
@given(scenario=scenarios())
def test_plan_ordered_by_partner(scenario):
    partners = [reminder.partner_id for reminder in run(scenario)]

    assert partners == sorted(partners)


@PROPERTY_SETTINGS
@given(scenario=scenarios())
def test_plan_lines_belong_to_reminder_customer(scenario):
    partner_of_line = {due_line.id: due_line.partner_id for due_line in scenario.lines}

    for reminder in run(scenario):
        assert reminder.line_levels
        assert {partner_of_line[line_id] for line_id in reminder.line_levels} == {reminder.partner_id}


@PROPERTY_SETTINGS
@given(scenario=scenarios())
def test_plan_uses_customer_policy(scenario):
    for reminder in run(scenario):
        policy = scenario.policies[reminder.partner_id]
        assert reminder.policy_id == policy.id
        assert {level.id for level in policy.levels} >= set(reminder.line_levels.values())


@PROPERTY_SETTINGS
@given(scenario=scenarios())
def test_plan_moves_lines_strictly_up(scenario):
    lines_by_id = {due_line.id: due_line for due_line in scenario.lines}

    for reminder in run(scenario):
        policy = scenario.policies[reminder.partner_id]
        for line_id, level_id in reminder.line_levels.items():
            assert policy.rank(level_id) > policy.rank(lines_by_id[line_id].current_level_id)


@PROPERTY_SETTINGS
@given(scenario=scenarios())
def test_plan_never_returns_to_passed_level(scenario):
    lines_by_id = {due_line.id: due_line for due_line in scenario.lines}

    for reminder in run(scenario):
        policy = scenario.policies[reminder.partner_id]
        for line_id, level_id in reminder.line_levels.items():
            current = lines_by_id[line_id].current_level_id
            passed = {level.id for level in policy.levels[: policy.rank(current) + 1]}
            assert level_id not in passed


@PROPERTY_SETTINGS
@given(scenario=scenarios())
def test_plan_jumps_to_highest_level(scenario):
    lines_by_id = {due_line.id: due_line for due_line in scenario.lines}

    for reminder in run(scenario):
        policy = scenario.policies[reminder.partner_id]
        for line_id, level_id in reminder.line_levels.items():
            expected = highest_qualifying_level(policy, lines_by_id[line_id], scenario.today)
            assert level_id == expected.id


@PROPERTY_SETTINGS
@given(scenario=scenarios())
def test_plan_skips_excluded_and_paid(scenario):
    moved = planned_levels(run(scenario))

    for due_line in scenario.lines:
        if due_line.excluded or due_line.residual <= 0:
            assert due_line.id not in moved


@PROPERTY_SETTINGS
@given(scenario=scenarios())
def test_plan_plans_every_escalating_line(scenario):
    moved = planned_levels(run(scenario))

    expected = {
        due_line.id
        for due_line in scenario.lines
        if escalates_ignoring_gap(scenario, due_line, scenario.today) and not inside_gap(scenario, due_line.partner_id)
    }
    assert set(moved) == expected


@PROPERTY_SETTINGS
@given(scenario=scenarios())
def test_plan_skips_customers_inside_gap(scenario):
    for reminder in run(scenario):
        assert not inside_gap(scenario, reminder.partner_id)


@PROPERTY_SETTINGS
@given(scenario=scenarios())
def test_plan_defers_gap_lines_to_gap_end(scenario):
    for partner_id, policy in scenario.policies.items():
        if not inside_gap(scenario, partner_id):
            continue
        gap_end = scenario.last_reminders[partner_id] + timedelta(days=policy.min_gap_days)
        waiting = {
            due_line.id
            for due_line in scenario.lines
            if due_line.partner_id == partner_id and escalates_ignoring_gap(scenario, due_line, scenario.today)
        }

        on_gap_end = planned_levels(run(scenario, today=gap_end))
        on_day_before = planned_levels(run(scenario, today=gap_end - timedelta(days=1)))

        assert waiting <= set(on_gap_end)
        assert waiting.isdisjoint(on_day_before)


@PROPERTY_SETTINGS
@given(scenario=scenarios())
def test_plan_ignores_blocked_lines(scenario):
    # Excluded, paid and top-level lines never change what the other lines get.
    movable = [
        due_line
        for due_line in scenario.lines
        if not (due_line.excluded or due_line.residual <= 0)
        and not (
            due_line.partner_id in scenario.policies and is_top_level(scenario.policies[due_line.partner_id], due_line)
        )
    ]

    assert run(scenario, lines=movable) == run(scenario)


@PROPERTY_SETTINGS
@given(scenario=scenarios())
def test_plan_idempotent_after_apply(scenario):
    plan = run(scenario)

    assert run(scenario, lines=apply(plan, scenario.lines)) == []


@PROPERTY_SETTINGS
@given(scenario=scenarios())
def test_plan_idempotent_with_reminder_dates(scenario):
    plan = run(scenario)
    last_reminders = dict(scenario.last_reminders)
    for reminder in plan:
        last_reminders[reminder.partner_id] = scenario.today

    assert run(scenario, lines=apply(plan, scenario.lines), last_reminders=last_reminders) == []


@PROPERTY_SETTINGS
@given(scenario=scenarios())
def test_plan_level_is_highest_of_lines(scenario):
    for reminder in run(scenario):
        policy = scenario.policies[reminder.partner_id]
        highest = max(reminder.line_levels.values(), key=policy.rank)
        assert reminder.level_id == highest


@PROPERTY_SETTINGS
@given(scenario=scenarios())
def test_plan_ignores_input_order(scenario):
    assert run(scenario, lines=list(reversed(scenario.lines))) == run(scenario)


# next_reminder_date: examples


def test_next_date_first_level_ahead():
    due = TODAY + timedelta(days=10)

    assert ladder.next_reminder_date(LADDER, line(due=due), None, TODAY) == due - timedelta(days=3)


def test_next_date_level_above_current():
    due = days_ago(10)

    assert ladder.next_reminder_date(LADDER, line(due=due, level=22), None, TODAY) == due + timedelta(days=30)


def test_next_date_overdue_level_is_today():
    assert ladder.next_reminder_date(LADDER, line(due=days_ago(40), level=21), None, TODAY) == TODAY


def test_next_date_pushed_to_gap_end():
    last = days_ago(2)

    next_date = ladder.next_reminder_date(LADDER, line(due=days_ago(40), level=21), last, TODAY)

    assert next_date == last + timedelta(days=5)


def test_next_date_none_at_top_level():
    assert ladder.next_reminder_date(LADDER, line(due=days_ago(90), level=24), None, TODAY) is None


def test_next_date_none_when_excluded():
    assert ladder.next_reminder_date(LADDER, line(due=days_ago(40), excluded=True), None, TODAY) is None


@pytest.mark.parametrize("residual", [0.0, -12.5])
def test_next_date_none_when_paid(residual):
    assert ladder.next_reminder_date(LADDER, line(due=days_ago(40), residual=residual), None, TODAY) is None


# next_reminder_date: properties


def scenario_lines_with_policy(scenario):
    return [due_line for due_line in scenario.lines if due_line.partner_id in scenario.policies]


def next_date_of(scenario, due_line):
    policy = scenario.policies[due_line.partner_id]
    return ladder.next_reminder_date(policy, due_line, scenario.last_reminders.get(due_line.partner_id), scenario.today)


@PROPERTY_SETTINGS
@given(scenario=scenarios())
def test_next_date_never_before_today(scenario):
    for due_line in scenario_lines_with_policy(scenario):
        next_date = next_date_of(scenario, due_line)
        if next_date is not None:
            assert next_date >= scenario.today


@PROPERTY_SETTINGS
@given(scenario=scenarios())
def test_next_date_never_inside_gap(scenario):
    for due_line in scenario_lines_with_policy(scenario):
        next_date = next_date_of(scenario, due_line)
        if next_date is not None:
            assert not inside_gap(scenario, due_line.partner_id, today=next_date)


@PROPERTY_SETTINGS
@given(scenario=scenarios())
def test_next_date_none_when_nothing_due(scenario):
    for due_line in scenario_lines_with_policy(scenario):
        policy = scenario.policies[due_line.partner_id]
        if due_line.excluded or due_line.residual <= 0 or is_top_level(policy, due_line):
            assert next_date_of(scenario, due_line) is None


@PROPERTY_SETTINGS
@given(scenario=scenarios())
def test_next_date_set_for_movable_lines(scenario):
    for due_line in scenario_lines_with_policy(scenario):
        policy = scenario.policies[due_line.partner_id]
        if not (due_line.excluded or due_line.residual <= 0 or is_top_level(policy, due_line)):
            assert next_date_of(scenario, due_line) is not None


@PROPERTY_SETTINGS
@given(scenario=scenarios())
def test_next_date_matches_plan_run(scenario):
    # The line is first planned on its next reminder date, and on no day between today and then.
    for due_line in scenario_lines_with_policy(scenario):
        next_date = next_date_of(scenario, due_line)
        if next_date is None:
            continue

        day = scenario.today
        while day < next_date:
            assert due_line.id not in planned_levels(run(scenario, lines=[due_line], today=day))
            day += timedelta(days=1)
        assert due_line.id in planned_levels(run(scenario, lines=[due_line], today=next_date))


# gap_end


def test_gap_end_without_reminder():
    assert ladder.gap_end(None, 5) is None


def test_gap_end_without_gap():
    assert ladder.gap_end(TODAY, 0) is None


def test_gap_end_adds_days():
    assert ladder.gap_end(TODAY, 5) == TODAY + timedelta(days=5)


# A floor level: the level a line is sent at the next run after a broken payment plan.


def test_floor_level_sends_higher_level_than_days():
    due = dataclasses.replace(line(due=days_ago(8), level=22), floor_level_id=24)

    assert ladder.escalation_for_line(LADDER, due, TODAY).id == 24


def test_floor_level_below_days_target_is_ignored():
    due = dataclasses.replace(line(due=days_ago(70)), floor_level_id=22)

    assert ladder.escalation_for_line(LADDER, due, TODAY).id == 24


def test_floor_level_already_reached_sends_nothing():
    due = dataclasses.replace(line(due=days_ago(8), level=24), floor_level_id=23)

    assert ladder.escalation_for_line(LADDER, due, TODAY) is None


def test_floor_level_is_due_today():
    due = dataclasses.replace(line(due=days_ago(8), level=22), floor_level_id=24)

    assert ladder.next_reminder_date(LADDER, due, None, TODAY) == TODAY


def test_floor_level_ignored_on_excluded_line():
    due = dataclasses.replace(line(due=days_ago(8), excluded=True), floor_level_id=24)

    assert ladder.escalation_for_line(LADDER, due, TODAY) is None
