"""Tests of arrears_management.logic.aging: days overdue and aging buckets."""

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arrears_management.logic import aging

PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, database=None)

# Strictly ascending positive day counts, as parse_bucket_boundaries returns them.
boundary_tuples = st.lists(st.integers(1, 400), min_size=1, max_size=6, unique=True).map(
    lambda values: tuple(sorted(values))
)
day_counts = st.integers(-10_000, 10_000)


def expected_bucket_index(days, boundaries):
    """Return the position of the bucket of ``days`` in bucket_labels, computed by counting."""
    if days <= 0:
        return 0
    return 1 + sum(1 for upper in boundaries if upper < days)


# days_overdue


def test_days_overdue_after_due_date():
    assert aging.days_overdue(date(2024, 1, 1), date(2024, 1, 31)) == 30


def test_days_overdue_on_due_date():
    assert aging.days_overdue(date(2024, 3, 1), date(2024, 3, 1)) == 0


def test_days_overdue_before_due_date():
    assert aging.days_overdue(date(2024, 3, 10), date(2024, 3, 1)) == -9


def test_days_overdue_across_leap_day():
    assert aging.days_overdue(date(2024, 2, 28), date(2024, 3, 1)) == 2


# bucket_labels and bucket_label


def test_bucket_labels_default():
    assert aging.bucket_labels() == ["current", "1-30", "31-60", "61-90", "over 90"]


def test_bucket_labels_single_boundary():
    assert aging.bucket_labels((45,)) == ["current", "1-45", "over 45"]


@pytest.mark.parametrize(
    ("days", "label"),
    [
        (-5, "current"),
        (0, "current"),
        (1, "1-30"),
        (30, "1-30"),
        (31, "31-60"),
        (60, "31-60"),
        (61, "61-90"),
        (90, "61-90"),
        (91, "over 90"),
        (5000, "over 90"),
    ],
)
def test_bucket_label_default_edges(days, label):
    assert aging.bucket_label(days) == label


@PROPERTY_SETTINGS
@given(days=day_counts, boundaries=boundary_tuples)
def test_bucket_label_is_listed(days, boundaries):
    assert aging.bucket_label(days, boundaries) in aging.bucket_labels(boundaries)


@PROPERTY_SETTINGS
@given(days=day_counts, boundaries=boundary_tuples)
def test_bucket_label_matches_count(days, boundaries):
    labels = aging.bucket_labels(boundaries)

    assert aging.bucket_label(days, boundaries) == labels[expected_bucket_index(days, boundaries)]


@PROPERTY_SETTINGS
@given(first=day_counts, second=day_counts, boundaries=boundary_tuples)
def test_bucket_label_monotone(first, second, boundaries):
    earlier, later = sorted((first, second))
    labels = aging.bucket_labels(boundaries)

    earlier_index = labels.index(aging.bucket_label(earlier, boundaries))
    later_index = labels.index(aging.bucket_label(later, boundaries))

    assert earlier_index <= later_index


@PROPERTY_SETTINGS
@given(boundaries=boundary_tuples)
def test_bucket_label_boundary_closes_bucket(boundaries):
    labels = aging.bucket_labels(boundaries)

    for position, upper in enumerate(boundaries):
        assert aging.bucket_label(upper, boundaries) == labels[position + 1]
        assert aging.bucket_label(upper + 1, boundaries) == labels[position + 2]


@PROPERTY_SETTINGS
@given(boundaries=boundary_tuples)
def test_bucket_labels_unique(boundaries):
    labels = aging.bucket_labels(boundaries)

    assert len(set(labels)) == len(labels)
    assert len(labels) == len(boundaries) + 2


# bucket_ranges and bucket_day_range


def test_bucket_ranges_default():
    assert aging.bucket_ranges() == [
        ("current", None, 0),
        ("1-30", 1, 30),
        ("31-60", 31, 60),
        ("61-90", 61, 90),
        ("over 90", 91, None),
    ]


def test_bucket_day_range_unknown_label():
    assert aging.bucket_day_range("over 365") is None


@PROPERTY_SETTINGS
@given(days=day_counts, boundaries=boundary_tuples)
def test_bucket_day_range_contains_days(days, boundaries):
    first, last = aging.bucket_day_range(aging.bucket_label(days, boundaries), boundaries)

    assert first is None or first <= days
    assert last is None or days <= last


# parse_bucket_boundaries


def test_parse_boundaries_default_text():
    assert aging.parse_bucket_boundaries("30,60,90") == (30, 60, 90)


def test_parse_boundaries_strips_spaces():
    assert aging.parse_bucket_boundaries(" 15 , 45,120 ") == (15, 45, 120)


def test_parse_boundaries_single_value():
    assert aging.parse_bucket_boundaries("30") == (30,)


@PROPERTY_SETTINGS
@given(boundaries=boundary_tuples, padding=st.sampled_from(["", " ", "  "]))
def test_parse_boundaries_round_trip(boundaries, padding):
    text = ",".join(f"{padding}{value}{padding}" for value in boundaries)

    assert aging.parse_bucket_boundaries(text) == boundaries


@pytest.mark.parametrize("text", [None, "", "   ", "\t\n"])
def test_parse_boundaries_rejects_empty(text):
    with pytest.raises(aging.InvalidBoundaries, match="empty"):
        aging.parse_bucket_boundaries(text)


@pytest.mark.parametrize(
    ("text", "token"),
    [
        ("30,abc,90", "abc"),
        ("30,60.5", "60.5"),
        ("1e2", "1e2"),
        ("30;60", "30;60"),
        ("thirty", "thirty"),
        ("30,,60", ""),
        ("30,60,", ""),
    ],
)
def test_parse_boundaries_rejects_non_integer(text, token):
    with pytest.raises(aging.InvalidBoundaries) as raised:
        aging.parse_bucket_boundaries(text)

    assert repr(token) in str(raised.value)
    assert "whole number" in str(raised.value)


@pytest.mark.parametrize(("text", "value"), [("0", "0"), ("0,30", "0"), ("30,-5", "-5"), ("-30", "-30")])
def test_parse_boundaries_rejects_non_positive(text, value):
    with pytest.raises(aging.InvalidBoundaries) as raised:
        aging.parse_bucket_boundaries(text)

    assert f"boundary {value} " in str(raised.value)
    assert "positive" in str(raised.value)


@pytest.mark.parametrize(("text", "value", "previous"), [("60,30", 30, 60), ("30,30", 30, 30), ("10,50,40", 40, 50)])
def test_parse_boundaries_rejects_non_ascending(text, value, previous):
    with pytest.raises(aging.InvalidBoundaries) as raised:
        aging.parse_bucket_boundaries(text)

    assert f"{value} follows {previous}" in str(raised.value)


@PROPERTY_SETTINGS
@given(values=st.lists(st.integers(1, 400), min_size=2, max_size=6))
def test_parse_boundaries_rejects_any_descent(values):
    descending_pairs = [(left, right) for left, right in zip(values, values[1:], strict=False) if right <= left]
    text = ",".join(str(value) for value in values)

    if not descending_pairs:
        assert aging.parse_bucket_boundaries(text) == tuple(values)
        return

    with pytest.raises(aging.InvalidBoundaries) as raised:
        aging.parse_bucket_boundaries(text)

    left, right = descending_pairs[0]
    assert f"{right} follows {left}" in str(raised.value)


def test_invalid_boundaries_is_value_error():
    assert issubclass(aging.InvalidBoundaries, ValueError)
