from odoo import fields, models


class MailMail(models.Model):
    _inherit = "mail.mail"

    def _postprocess_sent_message(self, success_pids, failure_reason=False, failure_type=None):
        """Mark the reminders of these emails sent, or failed with the mail server's reason."""
        reminders = self.env["arrears.reminder"].sudo().search([("mail_id", "in", self.ids), ("state", "=", "queued")])
        if reminders:
            if failure_type:
                reminders.write(
                    {
                        "state": "failed",
                        "error": self.env._(
                            "The email could not be delivered (%(type)s): %(reason)s",
                            type=failure_type,
                            reason=failure_reason or self.env._("no reason given"),
                        ),
                    }
                )
            else:
                reminders.write({"state": "sent", "sent_at": fields.Datetime.now(), "error": False})
        return super()._postprocess_sent_message(success_pids, failure_reason=failure_reason, failure_type=failure_type)

    def write(self, vals):
        result = super().write(vals)
        if vals.get("state") == "cancel":
            reminders = (
                self.env["arrears.reminder"].sudo().search([("mail_id", "in", self.ids), ("state", "=", "queued")])
            )
            reminders.write(
                {
                    "state": "failed",
                    "error": self.env._("The email was cancelled in the mail queue before it went out."),
                }
            )
        return result
