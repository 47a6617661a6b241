import logging
from urllib.parse import urlencode

from odoo import Command, fields, http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal

_logger = logging.getLogger(__name__)

MAX_REQUESTED_INSTALLMENTS = 36


class ArrearsPortal(CustomerPortal):
    """Overdue invoices, installment plans, promises to pay and disputes on the customer portal.

    Every route works on the logged-in user's commercial partner only: it
    reads through the user's own access rights (the portal record rules of
    account and of this addon), and it checks ownership again before any
    write, which runs as superuser. A record of another customer gives 404.
    """

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "arrears_count" in counters:
            values["arrears_count"] = len(self._arrears_open_invoices()) + request.env["arrears.plan"].search_count(
                [("partner_id", "=", self._arrears_customer().id), ("state", "=", "active")]
            )
        return values

    # ------------------------------------------------------------------
    # Ownership
    # ------------------------------------------------------------------

    def _arrears_customer(self):
        return request.env.user.partner_id.commercial_partner_id

    def _arrears_open_invoices(self):
        """Return the user's open posted customer invoices, oldest due date first, with their access rights."""
        return request.env["account.move"].search(
            [
                ("commercial_partner_id", "=", self._arrears_customer().id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
            ],
            order="invoice_date_due, id",
        )

    def _arrears_own_invoices(self, invoice_ids):
        """Return the user's open invoices among ``invoice_ids`` (as superuser), or raise NotFound."""
        ids = {int(invoice_id) for invoice_id in invoice_ids if str(invoice_id).isdigit()}
        invoices = self._arrears_open_invoices().filtered(lambda invoice: invoice.id in ids)
        if not ids or len(invoices) != len(ids):
            raise request.not_found()
        return invoices.sudo()

    def _arrears_own_plan(self, plan_id):
        plan = request.env["arrears.plan"].browse(plan_id)
        try:
            plan.check_access("read")
            if plan.partner_id != self._arrears_customer():
                raise request.not_found()
        except (AccessError, MissingError) as err:
            raise request.not_found() from err
        return plan.sudo()

    def _arrears_redirect(self, **params):
        return request.redirect("/my/arrears?" + urlencode(params) if params else "/my/arrears")

    # ------------------------------------------------------------------
    # Pages
    # ------------------------------------------------------------------

    @http.route("/my/arrears", type="http", auth="user", website=True)
    def portal_my_arrears(self, **params):
        customer = self._arrears_customer()
        invoices = self._arrears_open_invoices().sudo()
        plans = (
            request.env["arrears.plan"]
            .search([("partner_id", "=", customer.id), ("state", "in", ("active", "broken"))])
            .sudo()
        )
        promises = (
            request.env["arrears.promise"]
            .search([("partner_id", "=", customer.id), ("state", "in", ("proposed", "open", "broken"))])
            .sudo()
        )
        company = invoices[:1].company_id or request.env.company.sudo()
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "arrears",
                "invoices": invoices,
                "plans": plans,
                "promises": promises,
                "today": company._arrears_today(),
                "message": params.get("message"),
                "error": params.get("error"),
            }
        )
        return request.render("arrears_management.portal_my_arrears", values)

    @http.route("/my/arrears/plan/<int:plan_id>", type="http", auth="user", website=True)
    def portal_my_arrears_plan(self, plan_id, **params):
        plan = self._arrears_own_plan(plan_id)
        values = self._prepare_portal_layout_values()
        values.update({"page_name": "arrears_plan", "plan": plan})
        return request.render("arrears_management.portal_my_arrears_plan", values)

    # ------------------------------------------------------------------
    # Forms
    # ------------------------------------------------------------------

    @http.route("/my/arrears/promise", type="http", auth="user", methods=["POST"], website=True)
    def portal_arrears_promise(self, date=None, amount=None, note=None, **params):
        """Record a proposed promise to pay and give the collector an activity to review it."""
        invoices = self._arrears_own_invoices(request.httprequest.form.getlist("invoice_ids"))
        company = invoices[:1].company_id
        if len(invoices.company_id) > 1 or len(invoices.currency_id) > 1:
            return self._arrears_redirect(error="promise_mixed")
        try:
            promised_date = fields.Date.to_date(date)
            promised_amount = float(amount or 0)
        except ValueError:
            return self._arrears_redirect(error="promise_invalid")
        if not promised_date or promised_date < company._arrears_today():
            return self._arrears_redirect(error="promise_past")
        if promised_amount <= 0:
            return self._arrears_redirect(error="promise_amount")

        customer = self._arrears_customer()
        promise = (
            request.env["arrears.promise"]
            .sudo()
            .with_company(company)
            .create(
                {
                    "company_id": company.id,
                    "partner_id": customer.id,
                    "move_ids": [Command.set(invoices.ids)],
                    "date": promised_date,
                    "amount": promised_amount,
                    "note": (note or "").strip()[:2000],
                    "source": "portal",
                    "user_id": customer._arrears_collector(company).id,
                }
            )
        )
        promise.activity_schedule(
            "mail.mail_activity_data_todo",
            user_id=promise.user_id.id,
            summary=request.env._("Review the promise to pay of %(customer)s", customer=customer.name),
            note=promise.note,
        )
        _logger.info("Portal user %s proposed arrears promise %s", request.env.user.id, promise.id)
        return self._arrears_redirect(message="promise_sent")

    @http.route("/my/arrears/plan_request", type="http", auth="user", methods=["POST"], website=True)
    def portal_arrears_plan_request(self, installment_count=None, note=None, **params):
        """Give the collector an activity with the customer's request for an installment plan."""
        invoices = self._arrears_own_invoices(request.httprequest.form.getlist("invoice_ids"))
        try:
            count = int(installment_count or 0)
        except ValueError:
            count = 0
        if not 1 <= count <= MAX_REQUESTED_INSTALLMENTS:
            return self._arrears_redirect(error="plan_count")

        customer = self._arrears_customer().sudo()
        company = invoices[:1].company_id
        collector = customer._arrears_collector(company)
        lines = "\n".join(
            f"{invoice.name}: {invoice.currency_id.format(invoice.amount_residual)}" for invoice in invoices
        )
        customer.with_company(company).activity_schedule(
            "mail.mail_activity_data_todo",
            user_id=collector.id,
            summary=request.env._("Installment plan requested by %(customer)s", customer=customer.name),
            note=request.env._(
                "%(count)s installments requested for:\n%(invoices)s\n\n%(note)s",
                count=count,
                invoices=lines,
                note=(note or "").strip()[:2000],
            ),
        )
        _logger.info("Portal user %s requested an installment plan for customer %s", request.env.user.id, customer.id)
        return self._arrears_redirect(message="plan_requested")

    @http.route(
        "/my/arrears/invoice/<int:invoice_id>/dispute", type="http", auth="user", methods=["POST"], website=True
    )
    def portal_arrears_dispute(self, invoice_id, reason=None, **params):
        """Exclude the invoice from escalation as disputed and give the collector an activity."""
        invoice = self._arrears_own_invoices([invoice_id])
        reason = (reason or "").strip()[:500]
        if not reason:
            return self._arrears_redirect(error="dispute_reason")

        invoice.write(
            {"arrears_excluded": True, "arrears_exclusion_reason": "dispute", "arrears_exclusion_note": reason}
        )
        author = request.env.user.partner_id
        invoice.message_post(
            body=request.env._("The customer disputes this invoice: %(reason)s", reason=reason),
            author_id=author.id,
        )
        collector = invoice.commercial_partner_id._arrears_collector(invoice.company_id)
        invoice.activity_schedule(
            "mail.mail_activity_data_todo",
            user_id=collector.id,
            summary=request.env._("Invoice disputed by the customer"),
            note=reason,
        )
        _logger.info("Portal user %s disputed invoice %s", request.env.user.id, invoice.id)
        return self._arrears_redirect(message="dispute_sent")
