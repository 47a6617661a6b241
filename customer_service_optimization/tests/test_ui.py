from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestSlaBadgeUi(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.agent = new_test_user(
            cls.env, login="cso_ui_agent", groups="helpdesk_mgmt.group_helpdesk_user", tz="Europe/Berlin"
        )
        calendar = cls.env["resource.calendar"].create(
            {
                "name": "Around the clock",
                "tz": "UTC",
                "attendance_ids": [Command.clear()]
                + [
                    Command.create({"name": f"Day {day}", "dayofweek": str(day), "hour_from": 0, "hour_to": 24})
                    for day in range(7)
                ],
            }
        )
        team = cls.env["helpdesk.ticket.team"].create(
            {"name": "UI team", "resource_calendar_id": calendar.id, "user_ids": [Command.set(cls.agent.ids)]}
        )
        cls.env["cso.sla.policy"].create(
            {"name": "UI policy", "team_ids": [Command.set(team.ids)], "resolution_hours": 100}
        )
        cls.env["helpdesk.ticket"].create(
            {"name": "Badge tour ticket", "description": "Shown in the tour", "team_id": team.id}
        )

    def test_badge_counts_down_in_list_and_form(self):
        self.start_tour("/odoo/action-helpdesk_mgmt.helpdesk_ticket_action", "cso_sla_badge_tour", login="cso_ui_agent")
