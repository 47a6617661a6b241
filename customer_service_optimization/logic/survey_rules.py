"""Whether a ticket closing gets a satisfaction survey.

The model turns a ticket, its team settings and the contact's survey history
into :class:`SurveyFacts`; :func:`skip_reason` returns why no survey goes
out, or ``None`` when one does. The same check runs when the ticket closes
and again when the survey is due, so a change in between (a reopening, an
opt-out, another survey to the same contact) is respected.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

# Reasons a closing gets no survey, in the order they are checked.
SKIP_REASONS = [
    ("team_disabled", "Surveys switched off for the team"),
    ("stage_not_selected", "Closing stage not selected for surveys"),
    ("reopened", "Ticket reopened before the survey was due"),
    ("ticket_disabled", "Survey switched off for the ticket"),
    ("no_contact", "No contact with an email address"),
    ("opted_out", "Contact opted out of surveys"),
    ("already_surveyed", "Ticket already surveyed"),
    ("cooldown", "Contact surveyed recently"),
    ("not_sampled", "Not drawn in the sample"),
]

SAMPLING_BUCKETS = 10000


@dataclass(frozen=True)
class SurveyFacts:
    """What the sending rules look at for one ticket closing.

    ``previously_surveyed`` is True when an earlier closing of the same ticket
    already got a survey. ``recovery_resolved`` is True when the last
    follow-up of a low score on this ticket, or on the ticket it recovers,
    ended with the problem resolved. Such a customer may be surveyed again
    despite the cooldown and the resurvey rule. ``last_sent_at`` is the last time the contact got any survey of the same
    company, as a naive UTC datetime. ``sampling_rate`` is a percentage.
    """

    team_enabled: bool
    stage_selected: bool
    ticket_disabled: bool
    has_email: bool
    opted_out: bool
    previously_surveyed: bool = False
    resurvey_allowed: bool = False
    recovery_resolved: bool = False
    last_sent_at: datetime | None = None
    cooldown_days: int = 0
    sampling_rate: float = 100.0
    sample_key: str = ""
    still_closed: bool = True


def is_sampled(sample_key, rate_percent):
    """Return True when ``sample_key`` falls inside a sample of ``rate_percent`` percent.

    The draw hashes the key, so the same ticket closing always gets the same
    result and a rerun of the cron never draws again.
    """
    if rate_percent >= 100:
        return True
    if rate_percent <= 0:
        return False
    digest = hashlib.sha256(sample_key.encode()).digest()
    bucket = int.from_bytes(digest[:8], "big") % SAMPLING_BUCKETS
    return bucket < round(rate_percent * SAMPLING_BUCKETS / 100)


def in_cooldown(last_sent_at, now, cooldown_days):
    """Return True when the contact got a survey less than ``cooldown_days`` days before ``now``."""
    if not last_sent_at or cooldown_days <= 0:
        return False
    return now - last_sent_at < timedelta(days=cooldown_days)


def skip_reason(facts, now):
    """Return the key of the first rule in :data:`SKIP_REASONS` that blocks the survey, or None to send it."""
    if not facts.team_enabled:
        return "team_disabled"
    if not facts.stage_selected:
        return "stage_not_selected"
    if not facts.still_closed:
        return "reopened"
    if facts.ticket_disabled:
        return "ticket_disabled"
    if not facts.has_email:
        return "no_contact"
    if facts.opted_out:
        return "opted_out"
    if facts.previously_surveyed and not facts.resurvey_allowed and not facts.recovery_resolved:
        return "already_surveyed"
    if not facts.recovery_resolved and in_cooldown(facts.last_sent_at, now, facts.cooldown_days):
        return "cooldown"
    if not is_sampled(facts.sample_key, facts.sampling_rate):
        return "not_sampled"
    return None


def sample_key(ticket_id, closing_number):
    """Return the sampling key of one closing of one ticket."""
    return f"{ticket_id}:{closing_number}"
