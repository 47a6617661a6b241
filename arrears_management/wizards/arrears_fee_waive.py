import logging

from odoo import fields, models
from odoo.exceptions import AccessError, UserError

_logger = logging.getLogger(__name__)


class ArrearsFeeWaive(models.TransientModel):
    _name = "arrears.fee.waive"
    _description = "Waive Late Fees"

    move_id = fields.Many2one("account.move", string="Fee Invoice", required=True, readonly=True)
    company_id = fields.Many2one(related="move_id.company_id")
    reason = fields.Text(required=True, help="Why the fees are waived; kept in the history of the invoices.")

    def action_waive(self):
        """Cancel or credit the fee invoice, mark its charges waived and log the reason on every invoice involved."""
        self.ensure_one()
        if not self.env.user.has_group("arrears_management.group_arrears_manager"):
            raise AccessError(self.env._("Only collections managers can waive late fees."))
        move = self.move_id
        charges = move.arrears_fee_charge_ids.filtered(lambda charge: charge.state == "charged")
        if not move.arrears_fee_invoice or not charges:
            raise UserError(self.env._("%(invoice)s has no late fees left to waive.", invoice=move.display_name))
        reason = (self.reason or "").strip()
        if not reason:
            raise UserError(self.env._("Enter the reason for waiving the fees."))

        today = move.company_id._arrears_today()
        if move.state == "draft":
            move.button_cancel()
        elif move.state == "posted":
            if move.payment_state not in ("not_paid",):
                raise UserError(
                    self.env._(
                        "%(invoice)s is already partly or fully paid: refund the payment, then waive the fees.",
                        invoice=move.name,
                    )
                )
            move._reverse_moves(
                [{"ref": self.env._("Waived: %(reason)s", reason=reason), "date": today, "invoice_date": today}],
                cancel=True,
            )
        charges.write(
            {"state": "waived", "waive_reason": reason, "waived_by_id": self.env.user.id, "waived_date": today}
        )
        message = self.env._(
            "Late fees of %(invoice)s waived by %(user)s: %(reason)s",
            invoice=move.name or move.display_name,
            user=self.env.user.name,
            reason=reason,
        )
        for invoice in move | charges.move_id:
            invoice.message_post(body=message)
        _logger.info("Arrears fee invoice %s waived by user %s", move.id, self.env.user.id)
        return {"type": "ir.actions.act_window_close"}
