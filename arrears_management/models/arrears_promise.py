import logging

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

_logger = logging.getLogger(__name__)

PROMISE_STATES = [
    ("proposed", "Proposed"),
    ("open", "Open"),
    ("kept", "Kept"),
    ("broken", "Broken"),
    ("cancelled", "Cancelled"),
]


class ArrearsPromise(models.Model):
    _name = "arrears.promise"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _description = "Promise to Pay"
    _order = "date desc, id desc"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        domain="[('parent_id', '=', False)]",
        check_company=True,
    )
    move_ids = fields.Many2many(
        "account.move",
        "arrears_promise_move_rel",
        "promise_id",
        "move_id",
        string="Invoices",
        check_company=True,
        domain="[('commercial_partner_id', '=', partner_id), ('move_type', '=', 'out_invoice'), "
        "('state', '=', 'posted'), ('payment_state', 'in', ('not_paid', 'partial'))]",
    )
    currency_id = fields.Many2one("res.currency", compute="_compute_currency_id", store=True, readonly=False)
    date = fields.Date(string="Promised Date", required=True, tracking=True, help="Date by which the customer pays.")
    amount = fields.Monetary(string="Promised Amount", required=True, tracking=True)
    state = fields.Selection(
        PROMISE_STATES, default="proposed", required=True, readonly=True, tracking=True, index=True
    )
    source = fields.Selection(
        [("collector", "Collector"), ("portal", "Customer Portal")], default="collector", required=True, readonly=True
    )
    note = fields.Text()
    user_id = fields.Many2one("res.users", string="Collector", default=lambda self: self.env.user)
    opening_residual = fields.Monetary(string="Open at Confirmation", readonly=True)
    amount_paid = fields.Monetary(compute="_compute_amount_paid", help="Paid on the invoices since confirmation.")
    checked_date = fields.Date(readonly=True, copy=False)
    end_date = fields.Date(readonly=True, copy=False, help="Date the promise was kept, broken or cancelled.")

    @api.depends("move_ids.currency_id")
    def _compute_currency_id(self):
        for promise in self:
            promise.currency_id = promise.move_ids[:1].currency_id or promise.company_id.currency_id

    @api.depends("move_ids.amount_residual", "opening_residual", "state")
    def _compute_amount_paid(self):
        for promise in self:
            if promise.state == "proposed":
                promise.amount_paid = 0.0
                continue
            open_now = sum(promise.move_ids.mapped("amount_residual"))
            promise.amount_paid = max(0.0, promise.currency_id.round(promise.opening_residual - open_now))

    @api.depends("amount", "date", "currency_id")
    def _compute_display_name(self):
        for promise in self:
            promise.display_name = self.env._(
                "%(amount)s by %(date)s",
                amount=promise.currency_id.format(promise.amount),
                date=promise.date or "",
            )

    @api.constrains("amount")
    def _check_amount(self):
        for promise in self:
            if promise.currency_id.compare_amounts(promise.amount, 0) <= 0:
                raise ValidationError(
                    self.env._("The promised amount %(amount)s must be positive.", amount=promise.amount)
                )

    def _check_can_confirm(self, today):
        """Raise UserError unless this promise can pause escalation from ``today``."""
        self.ensure_one()
        if self.date < today:
            raise UserError(
                self.env._("The promised date %(date)s is in the past: pick today or a later date.", date=self.date)
            )
        if not self.move_ids:
            raise UserError(self.env._("Add the invoices the promise covers."))
        customer = self.partner_id.commercial_partner_id
        for move in self.move_ids:
            if move.company_id != self.company_id or move.commercial_partner_id != customer:
                raise UserError(
                    self.env._(
                        "Invoice %(invoice)s does not belong to %(customer)s in %(company)s: remove it.",
                        invoice=move.name,
                        customer=customer.name,
                        company=self.company_id.name,
                    )
                )
            if move.state != "posted" or move.currency_id.is_zero(move.amount_residual):
                raise UserError(
                    self.env._("Invoice %(invoice)s is not open: remove it from the promise.", invoice=move.name)
                )
        if len(self.move_ids.currency_id) > 1:
            raise UserError(self.env._("The invoices of a promise must share one currency."))

    def action_confirm(self):
        """Accept the promise: its invoices leave escalation until the promised date."""
        for promise in self:
            if promise.state != "proposed":
                raise UserError(self.env._("Only a proposed promise can be confirmed."))
            today = promise.company_id._arrears_today()
            promise._check_can_confirm(today)
            promise.write(
                {
                    "state": "open",
                    "opening_residual": sum(promise.move_ids.mapped("amount_residual")),
                    "checked_date": False,
                }
            )
            promise.move_ids._arrears_exclude_for("promise", promise.display_name)
            promise.activity_ids.filtered(lambda activity: activity.user_id == self.env.user).action_done()
        return True

    def action_cancel(self):
        for promise in self.filtered(lambda promise: promise.state in ("proposed", "open")):
            was_open = promise.state == "open"
            promise.write({"state": "cancelled", "end_date": promise.company_id._arrears_today()})
            if was_open:
                promise._release()
        return True

    def _release(self):
        """Let the invoices escalate again unless another open promise still covers them."""
        self.ensure_one()
        covered = self.search([("id", "!=", self.id), ("state", "=", "open"), ("move_ids", "in", self.move_ids.ids)])
        (self.move_ids - covered.move_ids)._arrears_release("promise")

    def _check_promises(self, today):
        """Mark each open promise kept once paid, or broken after its date; return the counts."""
        counts = {"kept": 0, "broken": 0}
        for promise in self:
            if promise.currency_id.compare_amounts(promise.amount_paid, promise.amount) >= 0:
                promise.write({"state": "kept", "end_date": today, "checked_date": today})
                promise._release()
                promise.message_post(body=self.env._("Promise kept."))
                counts["kept"] += 1
            elif today > promise.date:
                promise.write({"state": "broken", "end_date": today, "checked_date": today})
                promise._release()
                promise.message_post(
                    body=self.env._(
                        "Promise broken: %(paid)s paid of %(amount)s promised by %(date)s.",
                        paid=promise.currency_id.format(promise.amount_paid),
                        amount=promise.currency_id.format(promise.amount),
                        date=promise.date,
                    )
                )
                promise.partner_id.message_post(
                    body=self.env._("Broken promise to pay: %(promise)s.", promise=promise.display_name)
                )
                counts["broken"] += 1
                _logger.info("Arrears promise %s broken", promise.id)
            else:
                promise.checked_date = today
        return counts
