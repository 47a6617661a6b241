from odoo.exceptions import AccessError
from odoo.tests import tagged

from . import common
from .common import utc

MONDAY_9 = utc(2024, 3, 4, 8, 0)


@tagged("post_install", "-at_install")
class TestAccess(common.SlaCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["cso.sla.policy"].create(
            {"name": "Team B", "team_ids": [(6, 0, cls.team_b.ids)], "resolution_hours": 8}
        )
        cls.ticket_mine = cls._create_ticket(MONDAY_9, user_id=cls.agent_own.id)
        cls.ticket_colleague = cls._create_ticket(MONDAY_9, user_id=cls.agent.id)
        cls.ticket_team_b = cls._create_ticket(MONDAY_9, team_id=cls.team_b.id, user_id=cls.agent_team.id)
        cls.env.flush_all()

    def _visible_tickets(self, model, user):
        return self.env[model].with_user(user).search([]).ticket_id

    def test_own_tickets_user_sees_own_timers_only(self):
        self.assertEqual(self._visible_tickets("cso.sla.timer", self.agent_own), self.ticket_mine)

    def test_team_user_sees_team_timers_only(self):
        self.assertEqual(self._visible_tickets("cso.sla.timer", self.agent_team), self.ticket_team_b)

    def test_all_tickets_user_sees_all_timers(self):
        self.assertEqual(
            self._visible_tickets("cso.sla.timer", self.agent),
            self.ticket_mine | self.ticket_colleague | self.ticket_team_b,
        )

    def test_follower_employee_sees_followed_ticket_timers(self):
        self.assertFalse(self._visible_tickets("cso.sla.timer", self.employee))

        self.ticket_colleague.message_subscribe(partner_ids=self.employee.partner_id.ids)

        self.assertEqual(self._visible_tickets("cso.sla.timer", self.employee), self.ticket_colleague)

    def test_reading_hidden_timer_fails(self):
        with self.assertRaises(AccessError):
            self.ticket_colleague.sla_timer_ids.with_user(self.agent_own).read(["deadline"])

    def test_reading_visible_timer_with_live_hours(self):
        timers = self.ticket_mine.sla_timer_ids.with_user(self.agent_own)

        values = timers.read(["deadline", "consumed_hours", "remaining_hours", "pause_ids", "event_ids"])

        self.assertEqual(len(values), 2)

    def test_ticket_form_fields_readable_by_own_user(self):
        ticket = self.ticket_mine.with_user(self.agent_own)

        values = ticket.read(["sla_state", "sla_deadline", "sla_timer_ids", "sla_at_risk", "sla_breached"])

        self.assertEqual(values[0]["sla_timer_ids"], self.ticket_mine.sla_timer_ids.ids)

    def test_helpdesk_users_cannot_change_timers(self):
        with self.assertRaises(AccessError):
            self.ticket_mine.sla_timer_ids.with_user(self.agent).write({"state": "achieved"})
        with self.assertRaises(AccessError):
            self.ticket_mine.sla_timer_ids.with_user(self.manager).unlink()

    def test_explanation_and_pauses_follow_ticket_access(self):
        self.assertEqual(self._visible_tickets("cso.sla.timer.event", self.agent_own), self.ticket_mine)
        self._write(self.ticket_colleague, utc(2024, 3, 4, 9, 0), stage_id=self.stage_waiting.id)
        self.assertFalse(self._visible_tickets("cso.sla.pause", self.agent_own))
        self.assertEqual(self._visible_tickets("cso.sla.pause", self.agent), self.ticket_colleague)

    def test_report_follows_ticket_access(self):
        report = self.env["cso.sla.report"]

        self.assertEqual(report.with_user(self.agent_own).search([]).ticket_id, self.ticket_mine)
        groups = report.with_user(self.agent_team)._read_group([], ["team_id"], ["__count"])
        self.assertEqual(groups, [(self.team_b, 1)])

    def test_ticket_sla_filters_follow_ticket_access(self):
        tickets = self.env["helpdesk.ticket"].with_user(self.agent_own)

        with self._at(utc(2024, 3, 6, 9, 0)):
            self.assertEqual(tickets.search([("sla_breached", "=", True)]), self.ticket_mine)

    def test_policies_readable_not_writable_by_agents(self):
        policy = self.policy.with_user(self.agent)

        self.assertEqual(policy.name, "Team A standard")
        with self.assertRaises(AccessError):
            policy.write({"resolution_hours": 1})
