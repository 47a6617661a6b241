from odoo import fields, models


class CsoCustomerTier(models.Model):
    """Service tier of a customer, such as Standard or Key Account, that SLA policies can match."""

    _name = "cso.customer.tier"
    _description = "Customer Service Tier"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    color = fields.Integer(string="Color Index")
    description = fields.Text(translate=True)
    partner_count = fields.Integer(
        string="Customers",
        compute="_compute_partner_count",
        help="Customers in this tier, without their contacts.",
    )

    def _compute_partner_count(self):
        counts = dict(
            self.env["res.partner"]._read_group(
                [("customer_tier_id", "in", self.ids), ("parent_id", "=", False)],
                ["customer_tier_id"],
                ["__count"],
            )
        )
        for tier in self:
            tier.partner_count = counts.get(tier, 0)
