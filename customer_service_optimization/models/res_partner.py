from odoo import api, fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    customer_tier_id = fields.Many2one(
        "cso.customer.tier",
        index="btree_not_null",
        help="Service tier that SLA policies can match, for example to give key accounts faster targets. "
        "Contacts share the tier of their company.",
    )

    @api.model
    def _commercial_fields(self):
        return super()._commercial_fields() + ["customer_tier_id"]

    survey_opt_out = fields.Boolean(
        string="No Satisfaction Surveys",
        copy=False,
        tracking=True,
        help="The contact asked not to receive satisfaction surveys. It applies to every contact "
        "with the same email address and stays until someone unticks it.",
    )
    survey_opt_out_at = fields.Datetime(string="Opted Out On", readonly=True, copy=False)

    def write(self, vals):
        if vals.get("survey_opt_out") and "survey_opt_out_at" not in vals:
            vals = dict(vals, survey_opt_out_at=fields.Datetime.now())
        return super().write(vals)

    @api.model
    def _survey_opted_out(self, partners):
        """Return the partners among ``partners`` that opted out, themselves or under the same email address."""
        partners = partners.sudo()
        emails = {email for email in partners.mapped("email_normalized") if email}
        opted_out_emails = set()
        if emails:
            opted_out_emails = set(
                self.sudo()
                .with_context(active_test=False)
                .search([("email_normalized", "in", list(emails)), ("survey_opt_out", "=", True)])
                .mapped("email_normalized")
            )
        return partners.filtered(lambda partner: partner.survey_opt_out or partner.email_normalized in opted_out_emails)

    def _survey_opt_out(self):
        """Record the opt-out of these contacts from satisfaction surveys, once."""
        pending = self.filtered(lambda partner: not partner.survey_opt_out)
        pending.write({"survey_opt_out": True})
        for partner in pending:
            partner._message_log(body=self.env._("Opted out of satisfaction surveys from a survey email."))
