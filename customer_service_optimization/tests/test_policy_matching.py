from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from . import common
from .common import utc

MONDAY_9 = utc(2024, 3, 4, 8, 0)


@tagged("post_install", "-at_install")
class TestPolicyMatching(common.SlaCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hardware = cls.env["helpdesk.ticket.category"].create({"name": "Hardware"})
        cls.printers = cls.env["helpdesk.ticket.category"].create({"name": "Printers", "parent_id": cls.hardware.id})
        cls.software = cls.env["helpdesk.ticket.category"].create({"name": "Software"})
        cls.tag_outage = cls.env["helpdesk.ticket.tag"].create({"name": "Outage"})
        cls.tag_billing = cls.env["helpdesk.ticket.tag"].create({"name": "Billing"})

    def _policy(self, name, **values):
        return self.env["cso.sla.policy"].create({"name": name, "resolution_hours": 8, **values})

    def _policies(self, ticket):
        return ticket.sla_timer_ids.policy_id

    def test_category_policy_covers_sub_categories(self):
        hardware = self._policy("Hardware", category_ids=[Command.set(self.hardware.ids)])

        printer_ticket = self._create_ticket(MONDAY_9, category_id=self.printers.id)
        software_ticket = self._create_ticket(MONDAY_9, category_id=self.software.id)

        self.assertIn(hardware, self._policies(printer_ticket))
        self.assertNotIn(hardware, self._policies(software_ticket))

    def test_tag_policy_needs_one_tag(self):
        outage = self._policy("Outage", tag_ids=[Command.set(self.tag_outage.ids)])

        tagged_ticket = self._create_ticket(MONDAY_9, tag_ids=[Command.set((self.tag_outage | self.tag_billing).ids)])
        other_ticket = self._create_ticket(MONDAY_9, tag_ids=[Command.set(self.tag_billing.ids)])

        self.assertIn(outage, self._policies(tagged_ticket))
        self.assertNotIn(outage, self._policies(other_ticket))

    def test_customer_policy_covers_contacts(self):
        bakery = self._policy("Bakery contract", partner_ids=[Command.set(self.customer.ids)])

        contact_ticket = self._create_ticket(MONDAY_9, partner_id=self.customer_contact.id)
        gold_ticket = self._create_ticket(MONDAY_9, partner_id=self.gold_customer.id)

        self.assertIn(bakery, self._policies(contact_ticket))
        self.assertNotIn(bakery, self._policies(gold_ticket))

    def test_tier_policy_gives_key_accounts_faster_targets(self):
        gold = self._policy("Gold", customer_tier_ids=[Command.set(self.tier_gold.ids)], resolution_hours=2)

        ticket = self._create_ticket(MONDAY_9, partner_id=self.gold_customer.id)

        self.assertEqual(self._policies(ticket), self.policy | gold)
        self.assertEqual(self._timer(ticket, "resolution", policy=gold).deadline, utc(2024, 3, 4, 10, 0))
        self.assertEqual(self._timer(ticket, "resolution", policy=self.policy).deadline, utc(2024, 3, 5, 16, 0))

    def test_tier_change_on_company_reaches_contacts(self):
        gold = self._policy("Gold", customer_tier_ids=[Command.set(self.tier_gold.ids)])

        self.customer.customer_tier_id = self.tier_gold
        ticket = self._create_ticket(MONDAY_9, partner_id=self.customer_contact.id)

        self.assertEqual(self.customer_contact.customer_tier_id, self.tier_gold)
        self.assertIn(gold, self._policies(ticket))

    def test_each_policy_gets_its_own_timers(self):
        second = self._policy("Second", first_response_hours=1)

        ticket = self._create_ticket(MONDAY_9)

        self.assertEqual(len(ticket.sla_timer_ids), 4)
        self.assertEqual(self._timer(ticket, "first_response", policy=second).deadline, utc(2024, 3, 4, 9, 0))

    def test_customer_change_rematches(self):
        gold = self._policy("Gold", customer_tier_ids=[Command.set(self.tier_gold.ids)])
        ticket = self._create_ticket(MONDAY_9)

        self._write(ticket, utc(2024, 3, 4, 9, 0), partner_id=self.gold_customer.id)

        self.assertIn(gold, self._policies(ticket))

    def test_archived_policy_applies_no_more(self):
        ticket = self._create_ticket(MONDAY_9)

        with self._at(utc(2024, 3, 4, 9, 0)):
            self.policy.active = False

        self.assertFalse(ticket.sla_timer_ids)
        self.assertFalse(self._create_ticket(MONDAY_9).sla_timer_ids)

    def test_policy_with_timers_cannot_be_deleted(self):
        self._create_ticket(MONDAY_9)

        with self.assertRaisesRegex(UserError, "archive them instead"):
            self.policy.unlink()

    def test_policy_without_timers_can_be_deleted(self):
        unused = self._policy("Unused", priority="3")

        unused.unlink()

        self.assertFalse(unused.exists())

    def test_apply_to_open_tickets_backdates_timers(self):
        ticket = self._create_ticket(MONDAY_9, team_id=self.team_b.id)
        self._agent_reply(ticket, utc(2024, 3, 4, 9, 0))
        closed = self._create_ticket(MONDAY_9, team_id=self.team_b.id)
        self._write(closed, utc(2024, 3, 4, 9, 30), stage_id=self.stage_done.id)
        team_b_policy = self._policy("Team B", team_ids=[Command.set(self.team_b.ids)], first_response_hours=2)

        with self._at(utc(2024, 3, 4, 10, 0)):
            team_b_policy.action_apply_to_open_tickets()

        first = self._timer(ticket, "first_response", policy=team_b_policy)
        self.assertEqual(first.start_at, MONDAY_9)
        self.assertEqual(first.stop_at, utc(2024, 3, 4, 9, 0))
        self.assertEqual(first.state, "achieved")
        self.assertEqual(self._timer(ticket, "resolution", policy=team_b_policy).state, "running")
        self.assertFalse(closed.sla_timer_ids)

    def test_late_timer_copies_ticket_history(self):
        ticket = self._create_ticket(MONDAY_9)
        self._write(ticket, utc(2024, 3, 4, 9, 0), user_id=self.agent.id)
        urgent = self._policy("Urgent", team_ids=[Command.set(self.team_a.ids)], priority="3")

        self._write(ticket, utc(2024, 3, 4, 10, 0), priority="3")

        urgent_timer = self._timer(ticket, "resolution", policy=urgent)
        assign = self._events(urgent_timer, "assign")
        self.assertEqual((assign.at, assign.user_id), (utc(2024, 3, 4, 9, 0), self.agent))

    def test_archived_ticket_is_left_out_of_cron(self):
        ticket = self._create_ticket(MONDAY_9)
        ticket.active = False

        self._run_cron(utc(2024, 3, 4, 12, 5))

        self.assertEqual(self._timer(ticket, "first_response").state, "running")
