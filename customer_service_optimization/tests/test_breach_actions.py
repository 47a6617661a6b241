from odoo import Command
from odoo.tests import tagged

from . import common
from .common import utc

MONDAY_9 = utc(2024, 3, 4, 8, 0)  # Monday 09:00 in Berlin
FIRST_RESPONSE_WARNING = utc(2024, 3, 4, 11, 12)  # 80 % of 4 business hours
FIRST_RESPONSE_DEADLINE = utc(2024, 3, 4, 12, 0)


@tagged("post_install", "-at_install")
class TestBreachActions(common.SlaCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.escalation_partner = cls.env["res.partner"].create(
            {"name": "Service Manager", "email": "sm@company.example.com"}
        )
        cls.policy.write(
            {
                "team_ids": [Command.set((cls.team_a | cls.team_b).ids)],
                "breach_notify_leader": True,
                "breach_priority": "3",
                "breach_team_id": cls.team_b.id,
                "breach_user_id": cls.agent_team.id,
                "breach_follower_ids": [Command.set(cls.escalation_partner.ids)],
            }
        )
        cls.subtype_warning = cls.env.ref("customer_service_optimization.mt_sla_warning")
        cls.subtype_breached = cls.env.ref("customer_service_optimization.mt_sla_breached")

    def _messages(self, ticket, subtype):
        return ticket.message_ids.filtered(lambda message: message.subtype_id == subtype)

    def test_warning_on_ticket_change(self):
        ticket = self._create_ticket(MONDAY_9, user_id=self.agent.id)

        self._write(ticket, utc(2024, 3, 4, 11, 20), tag_ids=[Command.create({"name": "printer"})])

        first = self._timer(ticket, "first_response")
        warnings = self._messages(ticket, self.subtype_warning)
        self.assertEqual(len(warnings), 1)
        self.assertEqual(warnings.partner_ids, self.agent.partner_id)
        self.assertEqual(first.state, "at_risk")
        self.assertEqual(first.warned_at, utc(2024, 3, 4, 11, 20))
        self.assertIn(self.agent.name, self._events(first, "warning").note)

    def test_warning_by_cron_once(self):
        ticket = self._create_ticket(MONDAY_9, user_id=self.agent.id)

        self._run_cron(utc(2024, 3, 4, 11, 15))
        self._run_cron(utc(2024, 3, 4, 11, 20))
        self._write(ticket, utc(2024, 3, 4, 11, 25), priority="2")

        self.assertEqual(len(self._messages(ticket, self.subtype_warning)), 1)
        self.assertEqual(len(self._events(self._timer(ticket, "first_response"), "warning")), 1)

    def test_warning_without_assignee_goes_to_team_leader(self):
        ticket = self._create_ticket(MONDAY_9)

        self._run_cron(utc(2024, 3, 4, 11, 15))

        self.assertEqual(self._messages(ticket, self.subtype_warning).partner_ids, self.leader.partner_id)

    def test_no_warning_before_share(self):
        ticket = self._create_ticket(MONDAY_9, user_id=self.agent.id)

        self._run_cron(utc(2024, 3, 4, 11, 10))

        self.assertFalse(self._messages(ticket, self.subtype_warning))
        self.assertEqual(self._timer(ticket, "first_response").state, "running")

    def test_breach_actions_by_cron(self):
        ticket = self._create_ticket(MONDAY_9, user_id=self.agent.id)

        self._run_cron(utc(2024, 3, 4, 12, 5))

        first = self._timer(ticket, "first_response")
        self.assertEqual(first.state, "breached")
        self.assertEqual(first.breach_processed_at, utc(2024, 3, 4, 12, 5))
        breach_message = self._messages(ticket, self.subtype_breached)
        self.assertEqual(len(breach_message), 1)
        self.assertIn(self.leader.partner_id, breach_message.partner_ids)
        self.assertEqual(ticket.priority, "3")
        self.assertEqual(ticket.team_id, self.team_b)
        self.assertEqual(ticket.user_id, self.agent_team)
        self.assertIn(self.escalation_partner, ticket.message_partner_ids)

    def test_breach_skips_warning_when_both_due(self):
        ticket = self._create_ticket(MONDAY_9, user_id=self.agent.id)

        self._run_cron(utc(2024, 3, 4, 12, 5))

        self.assertFalse(self._messages(ticket, self.subtype_warning))
        self.assertTrue(self._timer(ticket, "first_response").warned_at)

    def test_breach_actions_run_once(self):
        ticket = self._create_ticket(MONDAY_9, user_id=self.agent.id)
        self._run_cron(utc(2024, 3, 4, 12, 5))
        self._write(ticket, utc(2024, 3, 4, 12, 10), priority="0", user_id=self.agent.id)

        self._run_cron(utc(2024, 3, 4, 12, 15))
        self._write(ticket, utc(2024, 3, 4, 12, 20), stage_id=self.stage_progress.id)
        self._agent_reply(ticket, utc(2024, 3, 4, 12, 25))

        first = self._timer(ticket, "first_response")
        self.assertEqual(len(self._messages(ticket, self.subtype_breached)), 1)
        self.assertEqual(len(self._events(first, "breach")), 1)
        self.assertEqual(ticket.priority, "0")
        self.assertEqual(ticket.user_id, self.agent)
        self.assertEqual(first.state, "breached")
        self.assertEqual(first.stop_at, utc(2024, 3, 4, 12, 25))

    def test_breach_on_ticket_change_before_close(self):
        ticket = self._create_ticket(MONDAY_9, user_id=self.agent.id)

        self._write(ticket, utc(2024, 3, 4, 12, 30), stage_id=self.stage_done.id)

        first = self._timer(ticket, "first_response")
        self.assertEqual(first.state, "breached")
        self.assertEqual(first.stop_at, utc(2024, 3, 4, 12, 30))
        self.assertEqual(len(self._messages(ticket, self.subtype_breached)), 1)
        self.assertEqual(ticket.stage_id, self.stage_done)

    def test_late_agent_reply_breaches_then_stops(self):
        ticket = self._create_ticket(MONDAY_9, user_id=self.agent.id)

        self._agent_reply(ticket, utc(2024, 3, 4, 13, 0))

        first = self._timer(ticket, "first_response")
        self.assertEqual(first.state, "breached")
        self.assertAlmostEqual(first.duration_hours, 5.0)
        self.assertEqual(len(self._messages(ticket, self.subtype_breached)), 1)

    def test_closed_ticket_breach_only_notifies(self):
        with self._at(utc(2024, 3, 6, 12, 0)):
            ticket = self.env["helpdesk.ticket"].create(
                {
                    "name": "Imported and closed",
                    "description": "From the old system",
                    "team_id": self.team_a.id,
                    "user_id": self.agent.id,
                    "stage_id": self.stage_done.id,
                    "sla_start_at": MONDAY_9,
                }
            )

        self.assertEqual(self._timer(ticket, "resolution").state, "breached")
        self.assertEqual(len(self._messages(ticket, self.subtype_breached)), 1)
        self.assertEqual(ticket.team_id, self.team_a)
        self.assertEqual(ticket.priority, "1")
        self.assertIn(self.escalation_partner, ticket.message_partner_ids)

    def test_breach_explains_time_by_stage_and_assignee(self):
        self.policy.write({"breach_team_id": False, "breach_user_id": False})
        ticket = self._create_ticket(MONDAY_9)
        self._write(ticket, utc(2024, 3, 4, 9, 0), user_id=self.agent.id)
        self._write(ticket, utc(2024, 3, 4, 10, 0), stage_id=self.stage_progress.id)

        self._run_cron(utc(2024, 3, 4, 12, 5))

        note = self._events(self._timer(ticket, "first_response"), "breach").note
        self.assertIn(f"{self.stage_new.name} 2:00", note)
        self.assertIn(f"{self.stage_progress.name} 2:00", note)
        self.assertIn(f"{self.agent.name} 3:00", note)
        self.assertIn("Unassigned 1:00", note)

    def test_breach_explanation_leaves_out_paused_time(self):
        self.policy.write({"breach_team_id": False, "breach_user_id": False})
        ticket = self._create_ticket(MONDAY_9)
        self._write(ticket, utc(2024, 3, 4, 9, 0), stage_id=self.stage_waiting.id)
        self._write(ticket, utc(2024, 3, 4, 10, 0), stage_id=self.stage_progress.id)

        self._run_cron(utc(2024, 3, 4, 13, 5))

        first = self._timer(ticket, "first_response")
        self.assertEqual(first.deadline, utc(2024, 3, 4, 13, 0))
        note = self._events(first, "breach").note
        self.assertIn(f"{self.stage_new.name} 1:00", note)
        self.assertIn(f"{self.stage_progress.name} 3:00", note)
        self.assertNotIn(self.stage_waiting.name, note)

    def test_claim_is_atomic_despite_stale_cache(self):
        ticket = self._create_ticket(MONDAY_9)
        timer = self._timer(ticket, "first_response")
        self.assertEqual(timer._claim("breach_processed_at", FIRST_RESPONSE_DEADLINE), timer)

        # Another transaction read the timer before the first claim was written.
        timer.env.cache.update(timer, timer._fields["breach_processed_at"], [False])

        self.assertFalse(timer._claim("breach_processed_at", FIRST_RESPONSE_DEADLINE))
