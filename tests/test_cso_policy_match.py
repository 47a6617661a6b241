"""Tests of matching SLA policies to tickets."""

import pytest

from customer_service_optimization.logic.policy_match import (
    PolicyCriteria,
    TicketFacts,
    applicable_policy_ids,
    policy_applies,
)

TICKET = TicketFacts(
    company_id=1,
    team_id=10,
    priority="2",
    category_ids=frozenset({30, 31}),
    tag_ids=frozenset({40, 41}),
    partner_ids=frozenset({50, 51}),
    tier_id=60,
)


def test_empty_criteria_match_every_ticket():
    assert policy_applies(PolicyCriteria(policy_id=1), TICKET)


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        (PolicyCriteria(policy_id=1, company_id=1), True),
        (PolicyCriteria(policy_id=1, company_id=2), False),
        (PolicyCriteria(policy_id=1, team_ids=frozenset({10, 11})), True),
        (PolicyCriteria(policy_id=1, team_ids=frozenset({11})), False),
        (PolicyCriteria(policy_id=1, priority="2"), True),
        (PolicyCriteria(policy_id=1, priority="3"), False),
        (PolicyCriteria(policy_id=1, category_ids=frozenset({30})), True),
        (PolicyCriteria(policy_id=1, category_ids=frozenset({32})), False),
        (PolicyCriteria(policy_id=1, tag_ids=frozenset({41, 99})), True),
        (PolicyCriteria(policy_id=1, tag_ids=frozenset({99})), False),
        (PolicyCriteria(policy_id=1, partner_ids=frozenset({51})), True),
        (PolicyCriteria(policy_id=1, partner_ids=frozenset({52})), False),
        (PolicyCriteria(policy_id=1, tier_ids=frozenset({60})), True),
        (PolicyCriteria(policy_id=1, tier_ids=frozenset({61})), False),
    ],
)
def test_single_criterion(criteria, expected):
    assert policy_applies(criteria, TICKET) is expected


def test_all_criteria_must_match():
    criteria = PolicyCriteria(policy_id=1, team_ids=frozenset({10}), priority="3")

    assert not policy_applies(criteria, TICKET)


def test_ticket_without_team_skips_team_policies():
    ticket = TicketFacts(company_id=1)

    assert not policy_applies(PolicyCriteria(policy_id=1, team_ids=frozenset({10})), ticket)
    assert policy_applies(PolicyCriteria(policy_id=1), ticket)


def test_ticket_without_tier_skips_tier_policies():
    ticket = TicketFacts(company_id=1)

    assert not policy_applies(PolicyCriteria(policy_id=1, tier_ids=frozenset({60})), ticket)


def test_applicable_policy_ids_keeps_order():
    policies = [
        PolicyCriteria(policy_id=3, priority="2"),
        PolicyCriteria(policy_id=1, priority="3"),
        PolicyCriteria(policy_id=2),
    ]

    assert applicable_policy_ids(policies, TICKET) == [3, 2]
