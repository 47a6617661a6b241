"""Tests of arrears_management.logic.schedule: building, validating and matching installment schedules."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arrears_management.logic import schedule
from arrears_management.logic.schedule import Installment, InvalidSchedule

PROPERTY_SETTINGS = settings(max_examples=80, deadline=None, database=None)

TODAY = date(2024, 1, 15)


def test_even_split_gives_first_the_extra_cents():
    assert schedule.split_evenly(100, 3) == [33.34, 33.33, 33.33]


def test_monthly_dates_keep_day_or_month_end():
    dates = schedule.installment_dates(date(2024, 1, 31), 4, schedule.MONTHLY)

    assert dates == [date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 31), date(2024, 4, 30)]


def test_weekly_and_biweekly_dates():
    assert schedule.installment_dates(date(2024, 1, 1), 3, schedule.WEEKLY)[-1] == date(2024, 1, 15)
    assert schedule.installment_dates(date(2024, 1, 1), 3, schedule.BIWEEKLY)[-1] == date(2024, 1, 29)


def test_unknown_frequency_raises():
    with pytest.raises(InvalidSchedule) as info:
        schedule.installment_dates(date(2024, 1, 1), 3, "daily")
    assert info.value.code == "frequency"


def test_build_with_down_payment_on_first_date():
    installments = schedule.build_schedule(1000, 3, date(2024, 2, 1), schedule.MONTHLY, down_payment=100)

    assert installments == [
        Installment(date(2024, 2, 1), 100.0),
        Installment(date(2024, 3, 1), 300.0),
        Installment(date(2024, 4, 1), 300.0),
        Installment(date(2024, 5, 1), 300.0),
    ]


def test_build_with_dated_down_payment():
    installments = schedule.build_schedule(
        1000, 2, date(2024, 2, 1), schedule.MONTHLY, down_payment=200, down_payment_date=date(2024, 1, 20)
    )

    assert installments[0] == Installment(date(2024, 1, 20), 200.0)
    assert installments[1].date == date(2024, 2, 1)
    assert sum(installment.amount for installment in installments) == 1000


def test_build_rejects_down_payment_covering_total():
    with pytest.raises(InvalidSchedule) as info:
        schedule.build_schedule(1000, 2, date(2024, 2, 1), schedule.MONTHLY, down_payment=1000)
    assert info.value.code == "down_payment_too_large"


def test_build_rejects_negative_down_payment_and_zero_count():
    with pytest.raises(InvalidSchedule) as negative:
        schedule.build_schedule(1000, 2, date(2024, 2, 1), schedule.MONTHLY, down_payment=-1)
    with pytest.raises(InvalidSchedule) as zero:
        schedule.build_schedule(1000, 0, date(2024, 2, 1), schedule.MONTHLY)
    assert negative.value.code == "negative"
    assert zero.value.code == "count"


def test_validate_rejects_wrong_total():
    installments = [Installment(date(2024, 2, 1), 450.0), Installment(date(2024, 3, 1), 450.0)]

    with pytest.raises(InvalidSchedule) as info:
        schedule.validate(installments, 1000, TODAY)

    assert info.value.code == "total"
    assert info.value.params == {"scheduled": 900.0, "total": 1000.0}
    assert "add up to 900.0" in str(info.value)


def test_validate_rejects_one_cent_off():
    installments = [Installment(date(2024, 2, 1), 333.33)] * 3

    with pytest.raises(InvalidSchedule) as info:
        schedule.validate(installments, 1000, TODAY)
    assert info.value.code == "total"


@pytest.mark.parametrize(
    ("installments", "code"),
    [
        ([], "empty"),
        ([Installment(date(2024, 2, 1), -100.0), Installment(date(2024, 3, 1), 1100.0)], "negative"),
        ([Installment(date(2024, 2, 1), 0.0), Installment(date(2024, 3, 1), 1000.0)], "negative"),
        ([Installment(date(2024, 1, 14), 500.0), Installment(date(2024, 3, 1), 500.0)], "past"),
        ([Installment(date(2024, 3, 1), 500.0), Installment(date(2024, 2, 1), 500.0)], "order"),
    ],
)
def test_validate_rejects(installments, code):
    with pytest.raises(InvalidSchedule) as info:
        schedule.validate(installments, 1000, TODAY)
    assert info.value.code == code


def test_validate_accepts_today():
    schedule.validate([Installment(TODAY, 1000.0)], 1000, TODAY)


def test_allocate_fills_in_order():
    installments = [Installment(date(2024, 2, 1), 100.0), Installment(date(2024, 3, 1), 200.0)]

    statuses = schedule.allocate(installments, 150)

    assert [(status.paid, status.residual) for status in statuses] == [(100.0, 0.0), (50.0, 150.0)]
    assert statuses[0].is_paid and not statuses[1].is_paid


def test_first_missed_respects_grace():
    installments = [Installment(date(2024, 2, 1), 100.0), Installment(date(2024, 3, 1), 100.0)]

    assert schedule.first_missed(installments, 0, date(2024, 2, 6), grace_days=5) is None
    assert schedule.first_missed(installments, 0, date(2024, 2, 7), grace_days=5) == 0
    assert schedule.first_missed(installments, 100, date(2024, 3, 7), grace_days=5) == 1
    assert schedule.first_missed(installments, 200, date(2024, 9, 1), grace_days=5) is None


def test_reminders_due_window():
    installments = [Installment(date(2024, 2, 1), 100.0), Installment(date(2024, 3, 1), 100.0)]

    assert schedule.reminders_due(installments, 0, date(2024, 1, 28), 3) == []
    assert schedule.reminders_due(installments, 0, date(2024, 1, 29), 3) == [0]
    assert schedule.reminders_due(installments, 100, date(2024, 1, 30), 3) == []
    assert schedule.reminders_due(installments, 100, date(2024, 2, 27), 3) == [1]


def test_is_complete():
    installments = [Installment(date(2024, 2, 1), 100.0), Installment(date(2024, 3, 1), 100.01)]

    assert not schedule.is_complete(installments, 200)
    assert schedule.is_complete(installments, 200.01)


# Property tests.

totals = st.decimals(min_value="0.02", max_value="1000000", places=2).map(float)


@PROPERTY_SETTINGS
@given(totals, st.integers(1, 48), st.sampled_from(schedule.FREQUENCIES), st.dates(TODAY, date(2030, 1, 1)), st.data())
def test_built_schedule_is_valid_and_exact(total, count, frequency, first_date, data):
    digits = 2
    down = data.draw(st.decimals(min_value="0", max_value=str(total), places=2).map(float))
    if schedule.to_minor(total) - schedule.to_minor(down) < count:
        return  # fewer cents than installments: no positive split exists

    installments = schedule.build_schedule(total, count, first_date, frequency, down_payment=down)

    schedule.validate(installments, total, TODAY, digits)
    assert sum(schedule.to_minor(item.amount) for item in installments) == schedule.to_minor(total)
    regular = installments[1:] if down > 0 else installments
    amounts = [schedule.to_minor(item.amount) for item in regular]
    assert max(amounts) - min(amounts) <= 1
    assert len(regular) == count


@PROPERTY_SETTINGS
@given(
    st.lists(st.decimals(min_value="0.01", max_value="10000", places=2).map(float), min_size=1, max_size=12),
    st.decimals(min_value="0", max_value="200000", places=2).map(float),
)
def test_allocation_conserves_payments(amounts, paid):
    installments = [Installment(TODAY + timedelta(days=30 * index), amount) for index, amount in enumerate(amounts)]

    statuses = schedule.allocate(installments, paid)

    total_due = sum(schedule.to_minor(amount) for amount in amounts)
    allocated = sum(schedule.to_minor(status.paid) for status in statuses)
    assert allocated == min(schedule.to_minor(paid), total_due)
    # Payments fill installments in order: nothing is paid after an unpaid one.
    seen_unpaid = False
    for status in statuses:
        if seen_unpaid:
            assert status.paid == 0
        if not status.is_paid:
            seen_unpaid = True


@PROPERTY_SETTINGS
@given(
    st.lists(st.decimals(min_value="0.01", max_value="10000", places=2).map(float), min_size=1, max_size=12),
    st.integers(0, 400),
    st.integers(0, 30),
)
def test_unpaid_plan_breaks_exactly_after_grace(amounts, offset, grace):
    installments = [Installment(TODAY + timedelta(days=30 * index), amount) for index, amount in enumerate(amounts)]
    today = TODAY + timedelta(days=offset)

    missed = schedule.first_missed(installments, 0, today, grace)

    if today > TODAY + timedelta(days=grace):
        assert missed == 0
    else:
        assert missed is None
