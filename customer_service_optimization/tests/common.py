"""Shared data for the customer_service_optimization tests: calendars, teams, users, customers and policies.

The working week of the main calendar is Monday to Friday, 09:00-17:00 in
Europe/Berlin without a lunch break, so one business day is 8 hours. Dates
are naive UTC, as Odoo stores them: in March 2024 Berlin is UTC+1, so 09:00
local is 08:00 UTC.
"""

from contextlib import contextmanager
from datetime import datetime

from freezegun import freeze_time

from odoo import Command
from odoo.tests import TransactionCase, new_test_user

WEEKDAYS = range(5)
ALL_DAYS = range(7)


class SlaCase(TransactionCase):
    """Helpdesk data with one test user per role and a default policy on team A."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, mail_notrack=True))
        cls.company = cls.env.company
        cls.company.email = "support@company.example.com"
        cls.berlin = cls._calendar("Berlin office", "Europe/Berlin", {day: [(9, 17)] for day in WEEKDAYS})
        cls.company.resource_calendar_id = cls._calendar(
            "Company hours", "UTC", {day: [(8, 12), (13, 17)] for day in WEEKDAYS}
        )

        cls.stage_new = cls.env.ref("helpdesk_mgmt.helpdesk_ticket_stage_new")
        cls.stage_progress = cls.env.ref("helpdesk_mgmt.helpdesk_ticket_stage_in_progress")
        cls.stage_done = cls.env.ref("helpdesk_mgmt.helpdesk_ticket_stage_done")
        cls.stage_waiting = cls.env["helpdesk.ticket.stage"].create(
            {"name": "Waiting for Customer", "sequence": 3, "pause_sla": True, "company_id": False}
        )

        cls.manager = new_test_user(cls.env, login="cso_manager", groups="helpdesk_mgmt.group_helpdesk_manager")
        cls.leader = new_test_user(cls.env, login="cso_leader", groups="helpdesk_mgmt.group_helpdesk_user")
        cls.agent = new_test_user(cls.env, login="cso_agent", groups="helpdesk_mgmt.group_helpdesk_user")
        cls.agent_own = new_test_user(cls.env, login="cso_agent_own", groups="helpdesk_mgmt.group_helpdesk_user_own")
        cls.agent_team = new_test_user(cls.env, login="cso_agent_team", groups="helpdesk_mgmt.group_helpdesk_user_team")
        cls.employee = new_test_user(cls.env, login="cso_employee", groups="base.group_user")

        cls.team_a = cls.env["helpdesk.ticket.team"].create(
            {
                "name": "Team A",
                "user_id": cls.leader.id,
                "resource_calendar_id": cls.berlin.id,
                "user_ids": [Command.set([cls.leader.id, cls.agent.id, cls.agent_own.id])],
            }
        )
        cls.team_b = cls.env["helpdesk.ticket.team"].create(
            {"name": "Team B", "user_ids": [Command.set([cls.agent_team.id])]}
        )

        cls.tier_gold = cls.env["cso.customer.tier"].create({"name": "Gold"})
        cls.tier_standard = cls.env["cso.customer.tier"].create({"name": "Standard"})
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Bakery Customer",
                "is_company": True,
                "email": "help@bakery.example.com",
                "customer_tier_id": cls.tier_standard.id,
            }
        )
        cls.customer_contact = cls.env["res.partner"].create(
            {"name": "Baker", "parent_id": cls.customer.id, "email": "baker@bakery.example.com"}
        )
        cls.gold_customer = cls.env["res.partner"].create(
            {
                "name": "Gold Customer",
                "is_company": True,
                "email": "it@gold.example.com",
                "customer_tier_id": cls.tier_gold.id,
            }
        )

        cls.policy = cls.env["cso.sla.policy"].create(
            {
                "name": "Team A standard",
                "team_ids": [Command.set(cls.team_a.ids)],
                "first_response_hours": 4,
                "next_response_hours": 2,
                "resolution_hours": 16,
            }
        )

    @classmethod
    def _calendar(cls, name, tz, hours_by_day, company=None):
        """Create a calendar from ``{weekday: [(hour_from, hour_to), ...]}`` in timezone ``tz``."""
        attendances = [
            Command.create({"name": f"{name} {day} {start}", "dayofweek": str(day), "hour_from": start, "hour_to": end})
            for day, spans in hours_by_day.items()
            for start, end in spans
        ]
        return cls.env["resource.calendar"].create(
            {
                "name": name,
                "tz": tz,
                "company_id": (company or cls.env.company).id,
                "attendance_ids": [Command.clear(), *attendances],
            }
        )

    @classmethod
    def _create_ticket(cls, at, **values):
        """Create a ticket of team A for the customer at the naive UTC datetime ``at``."""
        defaults = {
            "name": "Printer is offline",
            "description": "The printer in the bakery is offline.",
            "team_id": cls.team_a.id,
            "partner_id": cls.customer_contact.id,
            "priority": "1",
            # helpdesk_mgmt assigns a new ticket to its creator when the values name no user.
            "user_id": False,
        }
        with freeze_time(at):
            return cls.env["helpdesk.ticket"].create({**defaults, **values})

    @staticmethod
    def _timer(ticket, kind, policy=None, cycle=None):
        """Return the ticket's timer of ``kind`` (and ``policy``, ``cycle`` when given)."""
        timers = ticket.sla_timer_ids.filtered(
            lambda timer: (
                timer.kind == kind
                and (policy is None or timer.policy_id == policy)
                and (cycle is None or timer.cycle == cycle)
            )
        )
        assert len(timers) == 1, f"expected one {kind} timer on {ticket.display_name}, found {len(timers)}"
        return timers

    @staticmethod
    @contextmanager
    def _at(moment):
        with freeze_time(moment):
            yield

    def _write(self, ticket, at, **values):
        with freeze_time(at):
            ticket.write(values)

    def _agent_reply(self, ticket, at, user=None):
        with freeze_time(at):
            ticket.with_user(user or self.agent).message_post(
                body="We are looking into it.", message_type="comment", subtype_xmlid="mail.mt_comment"
            )

    def _internal_note(self, ticket, at, user=None):
        with freeze_time(at):
            ticket.with_user(user or self.agent).message_post(
                body="Asked the supplier.", message_type="comment", subtype_xmlid="mail.mt_note"
            )

    def _customer_reply(self, ticket, at, partner=None):
        with freeze_time(at):
            ticket.message_post(
                body="Any news?",
                author_id=(partner or self.customer_contact).id,
                message_type="email",
                subtype_xmlid="mail.mt_comment",
            )

    def _run_cron(self, at):
        with freeze_time(at):
            return self.env["cso.sla.timer"]._cron_process_timers()

    def _events(self, timer, event_type):
        return timer.event_ids.filtered(lambda event: event.event_type == event_type)


def utc(*args):
    """Return a naive UTC datetime, the form Odoo stores."""
    return datetime(*args)
