from odoo.tests import tagged

from . import common
from .common import utc

MONDAY_9 = utc(2024, 3, 4, 8, 0)


@tagged("post_install", "-at_install")
class TestReport(common.SlaCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.gold_contact = cls.env["res.partner"].create({"name": "Gold contact", "parent_id": cls.gold_customer.id})

    def _answered_ticket(self, reply_hour, partner=None):
        ticket = self._create_ticket(MONDAY_9, partner_id=(partner or self.customer_contact).id)
        self._agent_reply(ticket, utc(2024, 3, 4, reply_hour, 0))
        return ticket

    def test_first_response_measures_by_team(self):
        for reply_hour in (9, 10, 11, 13):  # 1, 2, 3 and 5 business hours; the last one is late
            self._answered_ticket(reply_hour)
        self.env.flush_all()

        groups = self.env["cso.sla.report"]._read_group(
            [("kind", "=", "first_response")],
            ["team_id"],
            [
                "achievement_rate:avg",
                "breached_count:sum",
                "first_response_hours:avg",
                "first_response_p90_hours:max",
                "__count",
            ],
        )

        self.assertEqual(len(groups), 1)
        team, rate, breaches, average, p90, count = groups[0]
        self.assertEqual(team, self.team_a)
        self.assertAlmostEqual(rate, 75.0)
        self.assertEqual(breaches, 1)
        self.assertAlmostEqual(average, 2.75)
        # percentile_cont interpolates: 3 + 0.7 * (5 - 3).
        self.assertAlmostEqual(p90, 4.4)
        self.assertEqual(count, 4)

    def test_running_timers_count_in_no_rate(self):
        self._answered_ticket(9)
        self._create_ticket(MONDAY_9)
        self.env.flush_all()

        [(rate, average)] = self.env["cso.sla.report"]._read_group(
            [("kind", "=", "first_response")], [], ["achievement_rate:avg", "first_response_hours:avg"]
        )

        self.assertAlmostEqual(rate, 100.0)
        self.assertAlmostEqual(average, 1.0)

    def test_group_by_tier_and_month(self):
        self._answered_ticket(9)
        self._answered_ticket(13, partner=self.gold_contact)
        self.env.flush_all()

        groups = self.env["cso.sla.report"]._read_group(
            [("kind", "=", "first_response")], ["customer_tier_id", "start_at:month"], ["achievement_rate:avg"]
        )

        rates = {tier: rate for tier, _month, rate in groups}
        self.assertEqual(rates, {self.tier_standard: 100.0, self.tier_gold: 0.0})

    def test_report_opens_ticket(self):
        ticket = self._answered_ticket(9)
        row = self.env["cso.sla.report"].search([("ticket_id", "=", ticket.id)], limit=1)

        action = row.action_open_ticket()

        self.assertEqual((action["res_model"], action["res_id"]), ("helpdesk.ticket", ticket.id))

    def test_pivot_lists_percentile_measures(self):
        fields_info = self.env["cso.sla.report"].fields_get(["first_response_p90_hours", "resolution_p90_hours"])

        self.assertTrue(all(info["aggregator"] for info in fields_info.values()))
