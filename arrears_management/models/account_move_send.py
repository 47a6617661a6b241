from markupsafe import Markup

from odoo import api, models


class AccountMoveSend(models.AbstractModel):
    _inherit = "account.move.send"

    @api.model
    def _get_default_mail_body(self, move, mail_template, mail_lang):
        """Append the payment policy and payment methods to the body of a customer invoice email."""
        body = super()._get_default_mail_body(move, mail_template, mail_lang)
        if move.move_type != "out_invoice" or not body:
            return body
        block = (
            self.env["ir.qweb"]
            .with_context(lang=mail_lang)
            ._render("arrears_management.payment_terms_block", {"move": move, "lang": mail_lang, "for_email": True})
        )
        return Markup(body) + Markup(block)
