from datetime import timedelta

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import tagged

from . import common


@tagged("post_install", "-at_install")
class TestAgingFields(common.ArrearsCase):
    """Days overdue, bucket and level of due lines: computed on read, grouped and searched in SQL."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Due 5 days ahead, and 10, 40 and 120 days ago.
        cls.not_due = cls._post_invoice(cls.customer, 100.0, cls.today + timedelta(days=5))
        cls.late_10 = cls._post_invoice(cls.customer, 200.0, cls.today - timedelta(days=10))
        cls.late_40 = cls._post_invoice(cls.other_customer, 400.0, cls.today - timedelta(days=40))
        cls.late_120 = cls._post_invoice(cls.other_customer, 800.0, cls.today - timedelta(days=120))
        cls.invoices = cls.not_due | cls.late_10 | cls.late_40 | cls.late_120

    def _open_domain(self):
        return [("move_id", "in", self.invoices.ids), ("account_id.account_type", "=", "asset_receivable")]

    def _lines(self, *moves):
        return self.env["account.move.line"].concat(*(self._receivable_lines(move) for move in moves))

    def test_pivot_sums_by_bucket(self):
        with freeze_time(self.today):
            groups = self.env["account.move.line"]._read_group(
                self._open_domain(), ["arrears_aging_bucket"], ["amount_residual:sum"]
            )

        self.assertEqual(
            dict(groups), {"current": 100.0, "1-30": 200.0, "31-60": 400.0, "over 90": 800.0}, "sums per bucket"
        )

    def test_buckets_follow_calendar(self):
        with freeze_time(self.today + timedelta(days=25)):
            groups = dict(
                self.env["account.move.line"]._read_group(
                    self._open_domain(), ["arrears_aging_bucket"], ["amount_residual:sum"]
                )
            )
            self.assertEqual(self._receivable_lines(self.late_10).arrears_days_overdue, 35)

        self.assertEqual(groups, {"1-30": 100.0, "31-60": 200.0, "61-90": 400.0, "over 90": 800.0})

    def test_search_days_overdue(self):
        Line = self.env["account.move.line"]
        with freeze_time(self.today):
            overdue = Line.search(self._open_domain() + [("arrears_days_overdue", ">", 0)])
            not_due = Line.search(self._open_domain() + [("arrears_days_overdue", "<=", 0)])
            exactly = Line.search(self._open_domain() + [("arrears_days_overdue", "=", 40)])
            others = Line.search(self._open_domain() + [("arrears_days_overdue", "!=", 40)])
            by_age = Line.search(self._open_domain(), order="arrears_days_overdue desc")

        self.assertEqual(overdue, self._lines(self.late_10, self.late_40, self.late_120))
        self.assertEqual(not_due, self._lines(self.not_due))
        self.assertEqual(exactly, self._lines(self.late_40))
        self.assertEqual(others, self._lines(self.not_due, self.late_10, self.late_120))
        self.assertEqual(by_age.move_id.ids, [self.late_120.id, self.late_40.id, self.late_10.id, self.not_due.id])

    def test_search_bucket(self):
        Line = self.env["account.move.line"]
        with freeze_time(self.today):
            middle = Line.search(self._open_domain() + [("arrears_aging_bucket", "=", "31-60")])
            either = Line.search(self._open_domain() + [("arrears_aging_bucket", "in", ["current", "over 90"])])
            rest = Line.search(self._open_domain() + [("arrears_aging_bucket", "not in", ["current", "over 90"])])
            unknown = Line.search(self._open_domain() + [("arrears_aging_bucket", "=", "over 365")])

        self.assertEqual(middle, self._lines(self.late_40))
        self.assertEqual(either, self._lines(self.not_due, self.late_120))
        self.assertEqual(rest, self._lines(self.late_10, self.late_40))
        self.assertFalse(unknown)

    def test_no_due_date_has_no_bucket(self):
        Line = self.env["account.move.line"]
        product_line = self.not_due.invoice_line_ids
        self.assertFalse(product_line.date_maturity)

        with freeze_time(self.today):
            current = Line.search([("move_id", "=", self.not_due.id), ("arrears_aging_bucket", "=", "current")])
            not_late = Line.search([("move_id", "=", self.not_due.id), ("arrears_days_overdue", "<=", 0)])

            self.assertFalse(product_line.arrears_aging_bucket)
            self.assertEqual(product_line.arrears_days_overdue, 0)
        self.assertEqual(current, self._lines(self.not_due), "the bucket search skips lines without a due date")
        self.assertIn(product_line, not_late, "lines without a due date count as 0 days overdue")

    def test_level_from_reminder_log(self):
        Line = self.env["account.move.line"]
        self.assertFalse(Line.search(self._open_domain() + [("arrears_level_id", "!=", False)]))

        self._run(self.today)

        final = Line.search(self._open_domain() + [("arrears_level_id", "=", self.level_final.id)])
        named = Line.search(self._open_domain() + [("arrears_level_id", "ilike", self.level_firm.name)])
        unlevelled = Line.search(self._open_domain() + [("arrears_level_id", "=", False)])
        groups = dict(Line._read_group(self._open_domain(), ["arrears_level_id"], ["__count"]))
        self.assertEqual(final, self._lines(self.late_120))
        self.assertEqual(named, self._lines(self.late_40))
        self.assertEqual(unlevelled, self._lines(self.not_due))
        self.assertEqual(
            groups,
            {
                self.level_friendly: 1,
                self.level_firm: 1,
                self.level_final: 1,
                self.env["arrears.policy.level"]: 1,
            },
        )
        self.assertEqual(self.late_40.arrears_last_reminder_date, self.today)
        self.assertEqual(self._receivable_lines(self.late_40).arrears_last_reminder_date, self.today)

    def test_customer_level_follows_invoices(self):
        Partner = self.env["res.partner"]
        customers = self.customer | self.other_customer
        self._run(self.today)

        groups = dict(Partner._read_group([("id", "in", customers.ids)], ["arrears_level_id"], ["__count"]))
        final = Partner.search([("id", "in", customers.ids), ("arrears_level_id", "=", self.level_final.id)])
        levelled = Partner.search([("id", "in", customers.ids), ("arrears_level_id", "!=", False)])
        self.assertEqual(groups, {self.level_friendly: 1, self.level_final: 1})
        self.assertEqual(final, self.other_customer)
        self.assertEqual(levelled, customers)

        # Paying the final-level invoice lowers the customer's level at once, without waiting for a run.
        self._pay(self.late_120, 800.0, self.today)
        self.other_customer.invalidate_recordset()
        self.assertEqual(self.other_customer.arrears_level_id, self.level_firm)
        self.assertFalse(Partner.search([("id", "in", customers.ids), ("arrears_level_id", "=", self.level_final.id)]))

    def test_company_boundaries_set_buckets(self):
        other = self.setup_other_company(name="Coarse Buckets")["company"]
        other.arrears_bucket_boundaries = "60"
        other_invoice = self._post_invoice(
            self.env["res.partner"].create({"name": "Harbour Cafe"}), 50.0, self.today - timedelta(days=45), other
        )
        Line = self.env["account.move.line"].with_company(other).with_context(allowed_company_ids=[other.id])

        with freeze_time(self.today):
            groups = dict(
                Line._read_group(
                    [("move_id", "=", other_invoice.id), ("account_id.account_type", "=", "asset_receivable")],
                    ["arrears_aging_bucket"],
                    ["__count"],
                )
            )
            found = Line.search([("move_id", "=", other_invoice.id), ("arrears_aging_bucket", "=", "1-60")])

        self.assertEqual(groups, {"1-60": 1})
        self.assertEqual(found.move_id, other_invoice)

    def test_fields_groupable_and_sortable(self):
        description = self.env["account.move.line"].fields_get(
            ["arrears_aging_bucket", "arrears_days_overdue", "arrears_level_id"], ["groupable", "sortable"]
        )

        for name, attributes in description.items():
            self.assertTrue(attributes["groupable"], name)
            self.assertTrue(attributes["sortable"], name)

    def test_invalid_days_search_names_value(self):
        with self.assertRaisesRegex(UserError, "'soon'"):
            self.env["account.move.line"].search([("arrears_days_overdue", ">", "soon")])
