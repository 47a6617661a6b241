"""Matching of SLA policies to tickets.

Each criterion of a policy is either empty (any value matches) or a set of
accepted values, and a ticket must satisfy every non-empty criterion. Categories
match their sub-categories too.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class PolicyCriteria:
    """Matching criteria of one policy, as record ids and selection keys.

    ``company_id`` is ``None`` for a policy shared by all companies and
    ``priority`` is ``None`` for any priority.
    """

    policy_id: int
    company_id: int | None = None
    team_ids: frozenset = frozenset()
    priority: str | None = None
    category_ids: frozenset = frozenset()
    tag_ids: frozenset = frozenset()
    partner_ids: frozenset = frozenset()
    tier_ids: frozenset = frozenset()


@dataclass(frozen=True)
class TicketFacts:
    """Ticket values that policies match on.

    ``category_ids`` contains the ticket's category and all its parents, so a
    policy on a parent category applies to its sub-categories. ``partner_ids``
    contains the contact and its commercial entity.
    """

    company_id: int
    team_id: int | None = None
    priority: str | None = None
    category_ids: frozenset = frozenset()
    tag_ids: frozenset = frozenset()
    partner_ids: frozenset = frozenset()
    tier_id: int | None = None


def policy_applies(criteria, ticket):
    """Return whether the policy with ``criteria`` applies to ``ticket``."""
    if criteria.company_id is not None and criteria.company_id != ticket.company_id:
        return False
    if criteria.team_ids and ticket.team_id not in criteria.team_ids:
        return False
    if criteria.priority is not None and criteria.priority != ticket.priority:
        return False
    if criteria.category_ids and not criteria.category_ids & ticket.category_ids:
        return False
    if criteria.tag_ids and not criteria.tag_ids & ticket.tag_ids:
        return False
    if criteria.partner_ids and not criteria.partner_ids & ticket.partner_ids:
        return False
    if criteria.tier_ids and ticket.tier_id not in criteria.tier_ids:
        return False
    return True


def applicable_policy_ids(all_criteria, ticket):
    """Return the ids of the policies in ``all_criteria`` that apply to ``ticket``, in the given order."""
    return [criteria.policy_id for criteria in all_criteria if policy_applies(criteria, ticket)]
