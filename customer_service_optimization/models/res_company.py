from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    sla_ack_enabled = fields.Boolean(
        string="Acknowledge New Tickets",
        default=True,
        help="Email customers an acknowledgement of each new ticket. Teams can switch it off for their tickets.",
    )
    sla_ack_template_id = fields.Many2one(
        "mail.template",
        string="Acknowledgement Template",
        domain="[('model', '=', 'helpdesk.ticket')]",
        help="Template for tickets without a team and for teams without their own. "
        "Leave empty to use the template shipped with the module.",
    )

    def write(self, vals):
        result = super().write(vals)
        if "resource_calendar_id" in vals:
            self.env["cso.sla.timer"]._schedule_recompute(
                [("company_id", "in", self.ids)],
                reason=self.env._("default working hours of the company changed"),
            )
        return result
