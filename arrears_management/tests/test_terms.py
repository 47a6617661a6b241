from datetime import date

from odoo.tests import tagged

from . import common

DUE = date(2026, 3, 31)


@tagged("post_install", "-at_install")
class TestPaymentTerms(common.ArrearsFeeCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy.write({"fee_per_invoice": 40.0, "interest_rate": 9.5, "interest_grace_days": 5})
        cls.company.arrears_payment_policy_text = "Pay {amount} by {due_date}. After {grace_days} days: {late_fee} and {interest_rate} a year. Ref {reference}."
        cls.bank = cls.env["res.partner.bank"].create(
            {"acc_number": "BE71096123456769", "partner_id": cls.company.partner_id.id}
        )

    def test_policy_text_uses_invoice_values(self):
        invoice = self._post_invoice(self.customer, 1234.5, DUE)

        text = invoice._arrears_payment_policy_text()

        self.assertIn("$\xa01,234.50", text)
        self.assertIn("03/31/2026", text)
        self.assertIn("After 5 days", text)
        self.assertIn("$\xa040.00", text)
        self.assertIn("9.50 % a year", text)
        self.assertIn(invoice.payment_reference, text)

    def test_policy_text_per_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.company.with_context(lang="fr_FR").arrears_payment_policy_text = "Payez {amount} avant le {due_date}."
        self.customer.lang = "fr_FR"
        invoice = self._post_invoice(self.customer, 100.0, DUE)

        self.assertTrue(invoice._arrears_payment_policy_text().startswith("Payez"))
        self.assertIn("31/03/2026", invoice._arrears_payment_policy_text())
        self.assertTrue(invoice._arrears_payment_policy_text(lang="en_US").startswith("Pay "))

    def test_policy_without_fees_shows_zero(self):
        self.policy.fee_mode = "none"
        invoice = self._post_invoice(self.customer, 100.0, DUE)

        text = invoice._arrears_payment_policy_text()

        self.assertIn("$\xa00.00", text)
        self.assertIn("0.00 % a year", text)

    def test_unknown_placeholder_is_left_as_written(self):
        self.company.arrears_payment_policy_text = "Pay {amount} {unknown}"
        invoice = self._post_invoice(self.customer, 100.0, DUE)

        self.assertEqual(invoice._arrears_payment_policy_text(), "Pay $\xa0100.00 {unknown}")

    def test_payment_methods(self):
        invoice = self._post_invoice(self.customer, 100.0, DUE)

        methods = invoice._arrears_payment_methods()

        self.assertEqual(methods["bank"], self.bank)
        self.assertEqual(methods["reference"], invoice.payment_reference)
        self.assertFalse(methods["online_url"], "no payment provider is enabled")
        self.assertFalse(methods["mandate"])

    def test_online_link_with_enabled_provider(self):
        self.env["payment.provider"].create({"name": "Test provider", "state": "test", "company_id": self.company.id})
        invoice = self._post_invoice(self.customer, 100.0, DUE)

        url = invoice._arrears_payment_methods()["online_url"]

        self.assertIn(f"/my/invoices/{invoice.id}", url)
        self.assertIn("access_token=", url)

    def test_direct_debit_mandate(self):
        self.customer.write({"arrears_direct_debit": True, "arrears_mandate_reference": "MANDATE-0042"})
        invoice = self._post_invoice(self.customer, 100.0, DUE)

        self.assertEqual(invoice._arrears_payment_methods()["mandate"], "MANDATE-0042")
        html = self.env["ir.qweb"]._render("arrears_management.payment_terms_block", {"move": invoice, "lang": "en_US"})
        self.assertIn("MANDATE-0042", html)
        self.assertIn("BE71096123456769", html)

    def test_invoice_pdf_shows_terms(self):
        invoice = self._post_invoice(self.customer, 250.0, DUE)

        html, _format = self.env["ir.actions.report"]._render_qweb_html("account.account_invoices", invoice.ids)

        html = html.decode()
        self.assertIn("Pay $\xa0250.00 by 03/31/2026", html)
        self.assertIn("BE71096123456769", html)
        self.assertIn("How to pay", html)

    def test_invoice_email_shows_terms(self):
        invoice = self._post_invoice(self.customer, 250.0, DUE)
        template = self.env.ref("account.email_template_edi_invoice")

        body = self.env["account.move.send"]._get_default_mail_body(invoice, template, "en_US")

        self.assertIn("Pay $\xa0250.00 by 03/31/2026", body)
        self.assertIn(invoice.payment_reference, body)

    def test_invoice_send_wizard_body(self):
        invoice = self._post_invoice(self.customer, 250.0, DUE)

        wizard = (
            self.env["account.move.send.wizard"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({})
        )

        self.assertIn("How to pay", str(wizard.mail_body))

    def test_reminder_shows_terms(self):
        self._post_invoice(self.customer, 300.0, date(2026, 3, 6))
        self._post_invoice(self.customer, 200.0, date(2026, 3, 1))

        email = self._run(date(2026, 3, 16)).filtered(lambda reminder: reminder.channel == "email")

        self.assertIn("Pay $\xa0500.00 by 03/01/2026", email.items_html)
