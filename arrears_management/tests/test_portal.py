import re
from datetime import timedelta

from odoo import Command, fields
from odoo.http import Request
from odoo.tests import tagged
from odoo.tools import mute_logger

from . import common


@tagged("post_install", "-at_install")
class TestPortal(common.ArrearsFeeCase, common.ArrearsHttpCase):
    """Portal pages and forms: each customer reads and acts on its own invoices and plans only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy.fee_mode = "none"
        cls.today = fields.Date.today()
        cls.invoice = cls._post_invoice(cls.customer, 700.0, cls.today - timedelta(days=12))
        cls.second_invoice = cls._post_invoice(cls.customer, 300.0, cls.today - timedelta(days=3))
        cls.other_invoice = cls._post_invoice(cls.other_customer, 900.0, cls.today - timedelta(days=12))
        cls.other_plan = cls.env["arrears.plan"].create(
            {
                "partner_id": cls.other_customer.id,
                "move_ids": [Command.set(cls.other_invoice.ids)],
                "frequency": "custom",
                "installment_ids": [Command.create({"date": cls.today + timedelta(days=5), "amount": 900.0})],
            }
        )
        cls.other_plan.action_activate()

    def _post(self, url, data):
        # Request.csrf_token only needs ``env`` and ``session``, which HttpCase has after authenticate().
        return self.url_open(url, data=dict(data, csrf_token=Request.csrf_token(self)), allow_redirects=False)

    def test_page_lists_own_invoices_only(self):
        self.authenticate("arrears_portal", "arrears_portal")

        response = self.url_open("/my/arrears")

        self.assertEqual(response.status_code, 200)
        self.assertIn(self.invoice.name, response.text)
        self.assertIn(self.second_invoice.name, response.text)
        self.assertNotIn(self.other_invoice.name, response.text)
        self.assertNotIn(self.other_plan.name, response.text)
        breadcrumbs = re.search(r'<ol class="o_portal_submenu.*?</ol>', response.text, re.DOTALL)
        self.assertTrue(breadcrumbs, "breadcrumbs lead back to the portal home")
        self.assertIn("Payments and Arrangements", breadcrumbs.group())
        for invoice in self.invoice | self.second_invoice:
            self.assertNotIn(invoice.name, breadcrumbs.group(), "no crumb of a single invoice on the list")

    def test_other_customers_plan_is_not_found(self):
        self.authenticate("arrears_portal", "arrears_portal")

        response = self.url_open(f"/my/arrears/plan/{self.other_plan.id}")

        self.assertEqual(response.status_code, 404)
        self.assertNotIn(self.other_invoice.name, response.text)

    def test_own_plan_page(self):
        self.authenticate("arrears_portal_other", "arrears_portal_other")

        response = self.url_open(f"/my/arrears/plan/{self.other_plan.id}")

        self.assertEqual(response.status_code, 200)
        self.assertIn(self.other_plan.name, response.text)
        self.assertIn("o_arrears_schedule", response.text)
        self.assertIn('<a href="/my/arrears">Payments and Arrangements</a>', response.text, "a way back to the list")

    def test_draft_plan_is_not_shown(self):
        draft = self._make_plan(self.invoice, self.today + timedelta(days=5))
        self.authenticate("arrears_portal", "arrears_portal")

        response = self.url_open(f"/my/arrears/plan/{draft.id}")

        self.assertEqual(response.status_code, 404)

    def test_promise_creates_proposal_and_activity(self):
        self.authenticate("arrears_portal", "arrears_portal")
        date = fields.Date.to_string(self.today + timedelta(days=10))

        response = self._post(
            "/my/arrears/promise",
            {"invoice_ids": [self.invoice.id], "date": date, "amount": "250", "note": "Salary day"},
        )

        self.assertEqual(response.status_code, 303)
        self.assertIn("message=promise_sent", response.headers["Location"])
        promise = self.env["arrears.promise"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(promise.state, "proposed", "a portal promise waits for the collector")
        self.assertEqual(promise.source, "portal")
        self.assertEqual(promise.move_ids, self.invoice)
        self.assertEqual(promise.amount, 250.0)
        self.assertFalse(self.invoice.arrears_excluded, "nothing pauses before the collector confirms")
        self.assertEqual(promise.activity_ids.user_id, self.collector)

    def test_promise_on_other_customers_invoice_is_not_found(self):
        self.authenticate("arrears_portal", "arrears_portal")

        with mute_logger("odoo.http"):
            response = self._post(
                "/my/arrears/promise",
                {
                    "invoice_ids": [self.invoice.id, self.other_invoice.id],
                    "date": fields.Date.to_string(self.today + timedelta(days=10)),
                    "amount": "250",
                },
            )

        self.assertEqual(response.status_code, 404)
        self.assertFalse(self.env["arrears.promise"].search([("move_ids", "in", self.other_invoice.ids)]))

    def test_promise_in_past_is_rejected(self):
        self.authenticate("arrears_portal", "arrears_portal")

        response = self._post(
            "/my/arrears/promise",
            {
                "invoice_ids": [self.invoice.id],
                "date": fields.Date.to_string(self.today - timedelta(days=1)),
                "amount": "250",
            },
        )

        self.assertIn("error=promise_past", response.headers["Location"])
        self.assertFalse(self.env["arrears.promise"].search([("partner_id", "=", self.customer.id)]))

    def test_promise_negative_amount_is_rejected(self):
        self.authenticate("arrears_portal", "arrears_portal")

        response = self._post(
            "/my/arrears/promise",
            {
                "invoice_ids": [self.invoice.id],
                "date": fields.Date.to_string(self.today + timedelta(days=3)),
                "amount": "-5",
            },
        )

        self.assertIn("error=promise_amount", response.headers["Location"])

    def test_plan_request_creates_activity_only(self):
        self.authenticate("arrears_portal", "arrears_portal")

        response = self._post(
            "/my/arrears/plan_request",
            {"invoice_ids": [self.invoice.id, self.second_invoice.id], "installment_count": "4", "note": "Hard month"},
        )

        self.assertIn("message=plan_requested", response.headers["Location"])
        activity = self.env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", self.customer.id), ("user_id", "=", self.collector.id)]
        )
        self.assertEqual(len(activity), 1)
        self.assertIn("4 installments", activity.note)
        self.assertIn(self.invoice.name, activity.note)
        self.assertFalse(self.env["arrears.plan"].search([("partner_id", "=", self.customer.id)]))

    def test_dispute_excludes_and_notifies(self):
        self.authenticate("arrears_portal", "arrears_portal")

        response = self._post(f"/my/arrears/invoice/{self.invoice.id}/dispute", {"reason": "Wrong quantity"})

        self.assertIn("message=dispute_sent", response.headers["Location"])
        self.assertTrue(self.invoice.arrears_excluded)
        self.assertEqual(self.invoice.arrears_exclusion_reason, "dispute")
        self.assertEqual(self.invoice.arrears_exclusion_note, "Wrong quantity")
        self.assertEqual(self.invoice.activity_ids.user_id, self.collector)
        posted = self.invoice.message_ids.filtered(lambda message: "Wrong quantity" in (message.body or ""))
        self.assertEqual(len(posted), 1)
        self.assertEqual(posted.author_id, self.portal_user.partner_id)

    def test_dispute_of_other_customers_invoice_is_not_found(self):
        self.authenticate("arrears_portal", "arrears_portal")

        with mute_logger("odoo.http"):
            response = self._post(f"/my/arrears/invoice/{self.other_invoice.id}/dispute", {"reason": "Not mine"})

        self.assertEqual(response.status_code, 404)
        self.assertEqual(
            self.other_invoice.arrears_exclusion_reason, "plan", "the other customer's plan still holds it"
        )
        self.assertFalse(self.other_invoice.activity_ids)

    def test_form_without_csrf_token_is_rejected(self):
        self.authenticate("arrears_portal", "arrears_portal")

        with mute_logger("odoo.http"):
            response = self.url_open(
                f"/my/arrears/invoice/{self.invoice.id}/dispute", data={"reason": "No token"}, allow_redirects=False
            )

        self.assertEqual(response.status_code, 400)
        self.assertFalse(self.invoice.arrears_excluded)

    def test_anonymous_visitor_is_sent_to_login(self):
        response = self.url_open("/my/arrears", allow_redirects=False)

        self.assertEqual(response.status_code, 303)
        self.assertIn("/web/login", response.headers["Location"])

    def test_invoice_page_shows_policy_and_arrangements(self):
        self.authenticate("arrears_portal", "arrears_portal")

        response = self.url_open(f"/my/invoices/{self.invoice.id}")

        self.assertEqual(response.status_code, 200)
        self.assertIn("o_arrears_invoice_terms", response.text)
        self.assertIn("How to pay", response.text)
        self.assertIn("/my/arrears", response.text)

    def test_home_counter(self):
        self.authenticate("arrears_portal", "arrears_portal")

        response = self.make_jsonrpc_request("/my/counters", {"counters": ["arrears_count"]})

        self.assertEqual(response["arrears_count"], 2)

    def test_portal_flows_in_browser(self):
        own_plan = self._make_plan(self.second_invoice, self.today + timedelta(days=5))
        own_plan.action_activate()

        self.start_tour("/my/arrears", "arrears_portal_tour", login="arrears_portal")

        promise = self.env["arrears.promise"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(promise.amount, 150.0)
        self.assertEqual(promise.state, "proposed")
        self.assertEqual(self.invoice.arrears_exclusion_reason, "dispute")
        self.assertEqual(self.invoice.arrears_exclusion_note, "The goods never arrived")
        requests = self.env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", self.customer.id)]
        )
        self.assertIn("4 installments", requests.note)
