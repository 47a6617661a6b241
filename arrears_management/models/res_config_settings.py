from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    arrears_policy_id = fields.Many2one(related="company_id.arrears_policy_id", readonly=False)
    arrears_bucket_boundaries = fields.Char(related="company_id.arrears_bucket_boundaries", readonly=False)
    arrears_gateway_id = fields.Many2one(related="company_id.arrears_gateway_id", readonly=False)
    arrears_contact_hour_from = fields.Float(related="company_id.arrears_contact_hour_from", readonly=False)
    arrears_contact_hour_to = fields.Float(related="company_id.arrears_contact_hour_to", readonly=False)
    arrears_contact_days = fields.Selection(related="company_id.arrears_contact_days", readonly=False)
    arrears_reminder_max_age_days = fields.Integer(related="company_id.arrears_reminder_max_age_days", readonly=False)
    arrears_payment_policy_text = fields.Text(related="company_id.arrears_payment_policy_text", readonly=False)
    arrears_fee_auto_post = fields.Boolean(related="company_id.arrears_fee_auto_post", readonly=False)
    arrears_fee_journal_id = fields.Many2one(related="company_id.arrears_fee_journal_id", readonly=False)
    arrears_fee_account_id = fields.Many2one(related="company_id.arrears_fee_account_id", readonly=False)
    arrears_plan_reminder_days = fields.Integer(related="company_id.arrears_plan_reminder_days", readonly=False)
