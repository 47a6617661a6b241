from unittest.mock import patch

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from ..models import cso_sla_timer
from . import common
from .common import utc

MONDAY_9 = utc(2024, 3, 4, 8, 0)  # Monday 09:00 in Berlin


@tagged("post_install", "-at_install")
class TestCron(common.SlaCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "Second Company"})
        cls.calendar_b = cls._calendar(
            "B hours", "UTC", {day: [(0, 24)] for day in common.ALL_DAYS}, company=cls.company_b
        )
        cls.team_other = cls.env["helpdesk.ticket.team"].create(
            {"name": "Second company team", "company_id": cls.company_b.id, "resource_calendar_id": cls.calendar_b.id}
        )
        cls.policy_b = cls.env["cso.sla.policy"].create(
            {"name": "Second company", "company_id": cls.company_b.id, "first_response_hours": 1, "resolution_hours": 8}
        )
        cls.agent_b = new_test_user(
            cls.env,
            login="cso_agent_b",
            groups="helpdesk_mgmt.group_helpdesk_user",
            company_id=cls.company_b.id,
            company_ids=[Command.set(cls.company_b.ids)],
        )

    def _ticket_b(self, at):
        with self._at(at):
            return (
                self.env["helpdesk.ticket"]
                .with_company(self.company_b)
                .create({"name": "Other company", "description": "Hello", "team_id": self.team_other.id})
            )

    def test_cron_breaches_both_companies(self):
        ticket_a = self._create_ticket(MONDAY_9)
        ticket_b = self._ticket_b(MONDAY_9)

        self._run_cron(utc(2024, 3, 4, 12, 5))

        self.assertEqual(self._timer(ticket_a, "first_response").state, "breached")
        self.assertEqual(self._timer(ticket_b, "first_response").state, "breached")

    def test_policies_stay_in_their_company(self):
        ticket_a = self._create_ticket(MONDAY_9)
        ticket_b = self._ticket_b(MONDAY_9)

        self.assertEqual(ticket_a.sla_timer_ids.policy_id, self.policy)
        self.assertEqual(ticket_b.sla_timer_ids.policy_id, self.policy_b)

    def test_timers_of_other_company_hidden(self):
        ticket_a = self._create_ticket(MONDAY_9)
        ticket_b = self._ticket_b(MONDAY_9)
        timers = self.env["cso.sla.timer"]

        self.assertEqual(timers.with_user(self.agent).search([]).ticket_id, ticket_a)
        self.assertEqual(timers.with_user(self.agent_b).search([]).ticket_id, ticket_b)
        with self.assertRaises(AccessError):
            ticket_b.sla_timer_ids.with_user(self.agent).read(["deadline"])

    def test_cron_reports_progress_in_batches(self):
        tickets = self._create_ticket(MONDAY_9) | self._create_ticket(MONDAY_9)
        cron = self.env.ref("customer_service_optimization.ir_cron_cso_sla_timers")
        progress = self.env["ir.cron.progress"].create({"cron_id": cron.id, "remaining": 0, "done": 0})
        timers = self.env["cso.sla.timer"].with_context(ir_cron_progress_id=progress.id)

        with patch.object(cso_sla_timer, "CRON_FIRE_BATCH", 1), self._at(utc(2024, 3, 4, 12, 5)):
            timers._cron_process_timers()
        self.assertEqual((progress.done, progress.remaining), (1, 1))

        with patch.object(cso_sla_timer, "CRON_FIRE_BATCH", 1), self._at(utc(2024, 3, 4, 12, 5)):
            timers._cron_process_timers()
        self.assertEqual(progress.remaining, 0)
        self.assertEqual(
            set(tickets.sla_timer_ids.filtered(lambda timer: timer.kind == "first_response").mapped("state")),
            {"breached"},
        )

    def test_large_recompute_goes_to_cron(self):
        ticket = self._create_ticket(MONDAY_9)
        resolution = self._timer(ticket, "resolution")

        with patch.object(cso_sla_timer, "SYNC_RECOMPUTE_LIMIT", 0), self._at(utc(2024, 3, 4, 9, 0)):
            self.team_a.resource_calendar_id = self._calendar(
                "UTC 24/7", "UTC", {day: [(0, 24)] for day in common.ALL_DAYS}
            )

        self.assertTrue(resolution.needs_recompute)
        self.assertEqual(resolution.deadline, utc(2024, 3, 5, 16, 0))
        # A flagged timer is not breached on its old deadline before the recompute.
        self.assertNotIn(
            resolution, self.env["cso.sla.timer"].search(self.env["cso.sla.timer"]._due_domain(utc(2024, 3, 6, 0, 0)))
        )

        self._run_cron(utc(2024, 3, 4, 9, 5))

        self.assertFalse(resolution.needs_recompute)
        self.assertEqual(resolution.deadline, utc(2024, 3, 5, 0, 0))
        self.assertTrue(self._events(resolution, "recompute"))

    def test_cron_schedules_next_warning(self):
        self._create_ticket(MONDAY_9)
        cron = self.env.ref("customer_service_optimization.ir_cron_cso_sla_timers")
        cron.nextcall = utc(2024, 3, 4, 23, 0)

        self._run_cron(utc(2024, 3, 4, 9, 0))

        triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])
        self.assertIn(utc(2024, 3, 4, 11, 12), triggers.mapped("call_at"))

    def test_cron_skips_paused_timers(self):
        ticket = self._create_ticket(MONDAY_9)
        self._write(ticket, utc(2024, 3, 4, 9, 0), stage_id=self.stage_waiting.id)

        self._run_cron(utc(2024, 3, 5, 16, 0))

        self.assertEqual(self._timer(ticket, "first_response").state, "paused")
        self.assertEqual(self._timer(ticket, "resolution").state, "paused")
