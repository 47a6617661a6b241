from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    sla_ack_enabled = fields.Boolean(related="company_id.sla_ack_enabled", readonly=False)
    sla_ack_template_id = fields.Many2one(related="company_id.sla_ack_template_id", readonly=False)
