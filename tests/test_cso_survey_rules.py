"""Tests of the rules that decide whether a ticket closing gets a satisfaction survey."""

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from customer_service_optimization.logic.survey_rules import (
    SKIP_REASONS,
    SurveyFacts,
    in_cooldown,
    is_sampled,
    sample_key,
    skip_reason,
)

NOW = datetime(2024, 3, 4, 12, 0)
SENDABLE = SurveyFacts(
    team_enabled=True,
    stage_selected=True,
    ticket_disabled=False,
    has_email=True,
    opted_out=False,
    cooldown_days=30,
    sample_key="7:1",
)


def test_sendable_closing_has_no_skip_reason():
    assert skip_reason(SENDABLE, NOW) is None


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"team_enabled": False}, "team_disabled"),
        ({"stage_selected": False}, "stage_not_selected"),
        ({"still_closed": False}, "reopened"),
        ({"ticket_disabled": True}, "ticket_disabled"),
        ({"has_email": False}, "no_contact"),
        ({"opted_out": True}, "opted_out"),
        ({"previously_surveyed": True}, "already_surveyed"),
        ({"last_sent_at": NOW - timedelta(days=29)}, "cooldown"),
        ({"sampling_rate": 0.0}, "not_sampled"),
    ],
)
def test_each_rule_blocks_the_survey(change, reason):
    assert skip_reason(replace(SENDABLE, **change), NOW) == reason


def test_skip_reasons_are_listed_in_check_order():
    everything_off = SurveyFacts(
        team_enabled=False,
        stage_selected=False,
        still_closed=False,
        ticket_disabled=True,
        has_email=False,
        opted_out=True,
        previously_surveyed=True,
        last_sent_at=NOW,
        cooldown_days=30,
        sampling_rate=0,
    )
    facts = everything_off
    checked = []
    enable = [
        {"team_enabled": True},
        {"stage_selected": True},
        {"still_closed": True},
        {"ticket_disabled": False},
        {"has_email": True},
        {"opted_out": False},
        {"previously_surveyed": False},
        {"last_sent_at": None},
        {"sampling_rate": 100},
    ]
    for change in enable:
        checked.append(skip_reason(facts, NOW))
        facts = replace(facts, **change)
    assert checked == [key for key, _label in SKIP_REASONS]
    assert skip_reason(facts, NOW) is None


def test_resurvey_allowed_by_team():
    facts = replace(SENDABLE, previously_surveyed=True, resurvey_allowed=True)

    assert skip_reason(facts, NOW) is None


def test_resolved_recovery_lifts_resurvey_and_cooldown():
    facts = replace(SENDABLE, previously_surveyed=True, last_sent_at=NOW - timedelta(days=2), recovery_resolved=True)

    assert skip_reason(facts, NOW) is None


def test_resolved_recovery_keeps_opt_out():
    facts = replace(SENDABLE, opted_out=True, recovery_resolved=True)

    assert skip_reason(facts, NOW) == "opted_out"


@pytest.mark.parametrize(
    ("last_sent_at", "days", "expected"),
    [
        (None, 30, False),
        (NOW - timedelta(days=30), 30, False),
        (NOW - timedelta(days=30) + timedelta(seconds=1), 30, True),
        (NOW - timedelta(days=1), 0, False),
        (NOW, 1, True),
    ],
)
def test_cooldown_window(last_sent_at, days, expected):
    assert in_cooldown(last_sent_at, NOW, days) is expected


def test_sampling_bounds():
    assert is_sampled("1:1", 100)
    assert not is_sampled("1:1", 0)
    assert not is_sampled("1:1", -5)


@given(st.integers(min_value=1, max_value=10**9), st.integers(min_value=1, max_value=50))
def test_sampling_is_deterministic(ticket_id, closing):
    key = sample_key(ticket_id, closing)

    assert is_sampled(key, 37.5) == is_sampled(key, 37.5)


@given(st.text(min_size=1, max_size=20), st.floats(min_value=0, max_value=100), st.floats(min_value=0, max_value=100))
def test_sampling_is_monotonic_in_rate(key, low, high):
    low, high = sorted((low, high))

    assert not is_sampled(key, low) or is_sampled(key, high)


def test_sampling_rate_matches_share_of_tickets():
    drawn = sum(is_sampled(sample_key(ticket_id, 1), 25) for ticket_id in range(20000))

    assert 4600 < drawn < 5400


def test_new_closing_is_drawn_independently():
    keys = {sample_key(42, closing) for closing in range(1, 6)}

    assert len(keys) == 5
