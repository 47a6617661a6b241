from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from . import survey_common
from .survey_common import MONDAY_9


@tagged("post_install", "-at_install")
class TestSurveyAccess(survey_common.SurveyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team_a.survey_cooldown_days = 0
        cls.team_b.write({"survey_enabled": True, "survey_delay_hours": 0, "survey_cooldown_days": 0})
        cls.portal_user = new_test_user(cls.env, login="cso_portal", groups="base.group_portal")
        cls.portal_user.partner_id.write({"parent_id": cls.customer.id, "email": "portal@bakery.example.com"})

    def _answered(self, **ticket_values):
        survey = self._closed_and_sent(MONDAY_9, **ticket_values)
        self._answer(survey, 4)
        return survey

    def test_personal_agent_sees_answers_of_own_tickets(self):
        own = self._answered(user_id=self.agent_own.id)
        other = self._answered(user_id=self.agent.id)

        visible = self.Survey.with_user(self.agent_own).search([])
        self.assertIn(own, visible)
        self.assertNotIn(other, visible)
        with self.assertRaises(AccessError):
            other.with_user(self.agent_own).read(["score"])
        rows = self.env["cso.survey.report"].with_user(self.agent_own).search([])
        self.assertEqual(rows.survey_id, own)

    def test_team_agent_sees_answers_of_team_tickets(self):
        team_b_survey = self._answered(team_id=self.team_b.id)
        team_a_survey = self._answered()

        visible = self.Survey.with_user(self.agent_team).search([])
        self.assertIn(team_b_survey, visible)
        self.assertNotIn(team_a_survey, visible)

    def test_portal_user_sees_only_own_answers(self):
        own = self._answered(partner_id=self.portal_user.partner_id.id)
        colleague = self._answered()

        visible = self.Survey.with_user(self.portal_user).search([])
        self.assertEqual(visible, own)
        self.assertEqual(own.with_user(self.portal_user).score, "4")
        with self.assertRaises(AccessError):
            colleague.with_user(self.portal_user).read(["score"])
        with self.assertRaises(AccessError):
            own.with_user(self.portal_user).write({"followup_note": "x"})
        with self.assertRaises(AccessError):
            self.env["cso.survey.report"].with_user(self.portal_user).search([])

    def test_other_company_answers_hidden(self):
        other_company = self.env["res.company"].create({"name": "Other Company"})
        self.env.user.company_ids = [Command.link(other_company.id)]
        team_other = self.env["helpdesk.ticket.team"].create(
            {"name": "Other Team", "company_id": other_company.id, "survey_enabled": True, "survey_delay_hours": 0}
        )
        foreign = self._answered(team_id=team_other.id, company_id=other_company.id)
        home = self._answered()

        visible = self.Survey.with_user(self.manager).search([])
        self.assertIn(home, visible)
        self.assertNotIn(foreign, visible)
        self.assertNotIn(foreign, self.env["cso.survey.report"].with_user(self.manager).search([]).survey_id)

    def test_employee_without_helpdesk_rights_sees_nothing(self):
        self._answered()

        with self.assertRaises(AccessError):
            self.Survey.with_user(self.employee).search([])

    def test_token_digest_hidden_from_helpdesk_users(self):
        survey = self._answered()

        with self.assertRaises(AccessError):
            survey.with_user(self.manager).read(["token_digest"])

    def test_reasons_managed_by_managers(self):
        reason = self.env["cso.survey.reason"].with_user(self.manager).create({"name": "Wrong answer"})

        self.assertEqual(reason.with_user(self.agent).name, "Wrong answer")
        with self.assertRaises(AccessError):
            self.env["cso.survey.reason"].with_user(self.agent).create({"name": "Other"})

    def test_following_employee_opens_ticket_without_surveys(self):
        survey = self._answered()
        ticket = survey.ticket_id
        ticket.message_subscribe(partner_ids=self.employee.partner_id.ids)

        as_employee = ticket.with_user(self.employee)
        arch = as_employee.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertNotIn("survey_ids", arch)
        self.assertNotIn("survey_contact_answer_ids", arch)
        self.assertEqual(as_employee.read(["name"])[0]["name"], ticket.name)
        with self.assertRaises(AccessError):
            as_employee.read(["survey_ids"])
