from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from . import common


@tagged("post_install", "-at_install")
class TestConfiguration(common.SlaCase):
    def test_negative_target_rejected(self):
        with self.assertRaisesRegex(ValidationError, r"resolution target of policy Broken is -2.0 hours: enter 0"):
            self.env["cso.sla.policy"].create({"name": "Broken", "first_response_hours": 1, "resolution_hours": -2})

    def test_policy_without_target_rejected(self):
        with self.assertRaisesRegex(ValidationError, "Policy Empty has no target"):
            self.env["cso.sla.policy"].create({"name": "Empty"})

    def test_clearing_last_target_rejected(self):
        with self.assertRaisesRegex(ValidationError, "has no target"):
            self.policy.write({"first_response_hours": 0, "next_response_hours": 0, "resolution_hours": 0})

    def test_warning_share_out_of_range_rejected(self):
        for percent in (0, 100, 150):
            with self.subTest(percent=percent), self.assertRaisesRegex(ValidationError, "between 1 and 99"):
                self.policy.warning_percent = percent

    def test_pausing_closing_stage_rejected(self):
        with self.assertRaisesRegex(ValidationError, "Stage Done both closes tickets and pauses"):
            self.stage_done.pause_sla = True

    def test_closing_a_pausing_stage_rejected(self):
        with self.assertRaisesRegex(ValidationError, "both closes tickets and pauses"):
            self.stage_waiting.closed = True

    def test_breach_user_outside_breach_team_rejected(self):
        with self.assertRaisesRegex(ValidationError, "not a member of the team"):
            self.policy.write({"breach_team_id": self.team_b.id, "breach_user_id": self.agent.id})

    def test_stage_form_hides_pause_on_closing_stage(self):
        with Form(self.env["helpdesk.ticket.stage"]) as stage_form:
            stage_form.name = "Solved"
            stage_form.closed = True
            self.assertTrue(stage_form._get_modifier("pause_sla", "invisible"))

    def test_policy_form_creates_policy(self):
        with Form(self.env["cso.sla.policy"]) as policy_form:
            policy_form.name = "Gold customers"
            policy_form.customer_tier_ids.add(self.tier_gold)
            policy_form.first_response_hours = 1

        policy = policy_form.record
        self.assertEqual(policy.customer_tier_ids, self.tier_gold)
        self.assertEqual(policy.warning_percent, 80)

    def test_team_without_calendar_in_company_without_calendar_warns(self):
        company = self.env["res.company"].create({"name": "Bare Ltd"})
        team = self.env["helpdesk.ticket.team"].create({"name": "Bare team", "company_id": company.id})
        company.resource_calendar_id = False

        with self.assertRaisesRegex(ValidationError, "no working calendar for team Bare team"):
            self.env["cso.sla.policy"].create(
                {"name": "Bare", "team_ids": [Command.set(team.ids)], "resolution_hours": 4}
            )
