from datetime import timedelta

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from . import common


@tagged("post_install", "-at_install")
class TestAccess(common.ArrearsCase):
    def test_collector_sees_only_own_company(self):
        other = self.setup_other_company(name="Other Books")["company"]
        other.arrears_policy_id = self.policy
        self._post_invoice(self.customer, 100.0, self.today - timedelta(days=10))
        self._post_invoice(self.other_customer, 100.0, self.today - timedelta(days=10), company=other)
        mine = self._run(self.today)
        theirs = self._run(self.today, company=other)

        visible = self.env["arrears.reminder"].with_user(self.collector).search([])

        self.assertTrue(mine <= visible)
        self.assertFalse(theirs & visible)
        with self.assertRaises(AccessError):
            theirs.with_user(self.collector).read(["state"])

    def test_plain_user_cannot_read_reminders(self):
        self._post_invoice(self.customer, 100.0, self.today - timedelta(days=10))
        reminders = self._run(self.today)
        employee = new_test_user(self.env, login="plain_employee", groups="base.group_user")

        with self.assertRaises(AccessError):
            reminders.with_user(employee).read(["state"])

    def test_collector_cannot_edit_policy(self):
        with self.assertRaises(AccessError):
            self.policy.with_user(self.collector).write({"min_gap_days": 1})
        self.policy.with_user(self.manager).write({"min_gap_days": 1})
        self.assertEqual(self.policy.min_gap_days, 1)

    def test_collector_can_exclude_invoice(self):
        invoice = self._post_invoice(self.customer, 100.0, self.today - timedelta(days=10))

        invoice.with_user(self.collector).action_arrears_exclude()

        self.assertTrue(invoice.arrears_excluded)
        self.assertEqual(invoice.arrears_exclusion_reason, "manual")
