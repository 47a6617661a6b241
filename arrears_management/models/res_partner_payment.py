# Kept apart from the escalation fields of the same model, which live in their own file.
# pylint: disable=consider-merging-classes-inherited
from odoo import fields, models


class ResPartner(models.Model):
    """Payment methods, installment plans, promises and late fees of a customer."""

    _inherit = "res.partner"

    arrears_direct_debit = fields.Boolean(
        string="Pays by Direct Debit", help="The customer signed a direct debit mandate; invoices say so."
    )
    arrears_mandate_reference = fields.Char(string="Mandate Reference")
    arrears_plan_ids = fields.One2many("arrears.plan", "partner_id", string="Installment Plans")
    arrears_promise_ids = fields.One2many("arrears.promise", "partner_id", string="Promises to Pay")
    arrears_active_plan_count = fields.Integer(string="Active Plans", compute="_compute_arrears_agreements")
    arrears_broken_promise_count = fields.Integer(string="Broken Promises", compute="_compute_arrears_agreements")

    def _compute_arrears_agreements(self):
        Plan, Promise = self.env["arrears.plan"], self.env["arrears.promise"]
        customers = self.commercial_partner_id
        plans = dict(
            Plan._read_group(
                [("partner_id", "in", customers.ids), ("state", "=", "active")], ["partner_id"], ["__count"]
            )
        )
        broken = dict(
            Promise._read_group(
                [("partner_id", "in", customers.ids), ("state", "=", "broken")], ["partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.arrears_active_plan_count = plans.get(partner.commercial_partner_id, 0)
            partner.arrears_broken_promise_count = broken.get(partner.commercial_partner_id, 0)

    def _arrears_fee_policy_by_partner(self, company):
        """Return ``{partner id: arrears.policy}`` for those of these customers whose policy charges fees."""
        result = {}
        for partner in self.with_company(company):
            policy = partner.arrears_policy_id or company.arrears_policy_id
            if policy and policy.fee_mode != "none":
                result[partner.id] = policy
        return result

    def _arrears_collector(self, company):
        """Return the user who follows this customer's collections in ``company``."""
        self.ensure_one()
        partner = self.commercial_partner_id.with_company(company)
        policy = partner.arrears_policy_id or company.arrears_policy_id
        return partner.arrears_collector_id or policy.collector_id or self.env.ref("base.user_admin")

    def action_arrears_charge_fees(self):
        """Charge the late fees and interest due today for these customers, in the current company."""
        company = self.env.company
        Charge = self.env["arrears.fee.charge"]
        Charge.check_access("create")
        # The run writes bookkeeping fields on journal items, which collectors cannot edit by hand.
        _checked, charges, _left = Charge.sudo().with_company(company)._charge_company(company, partners=self)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success" if charges else "info",
                "message": self.env._(
                    "%(count)s fees charged on %(invoices)s fee invoices.",
                    count=len(charges),
                    invoices=len(charges.fee_move_id),
                )
                if charges
                else self.env._("No fee is due today for these customers."),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def action_arrears_new_plan(self):
        """Open a new installment plan with the customer's overdue invoices."""
        self.ensure_one()
        customer = self.commercial_partner_id
        company = self.env.company
        invoices = self.env["account.move"].search(
            [
                ("company_id", "=", company.id),
                ("commercial_partner_id", "=", customer.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
                ("arrears_fee_invoice", "=", False),
                ("invoice_date_due", "<", company._arrears_today()),
            ]
        )
        return invoices._arrears_plan_action(customer)

    def action_arrears_view_plans(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("arrears_management.arrears_plan_action")
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action
