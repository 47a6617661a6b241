from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ArrearsReferenceRate(models.Model):
    _name = "arrears.reference.rate"
    _description = "Reference Interest Rate"
    _order = "date_from desc"
    _rec_name = "date_from"

    date_from = fields.Date(
        string="Valid From",
        required=True,
        help="First day on which this rate applies; it applies until the next row's date. Under the EU Late "
        "Payment Directive the rate in force on 1 January and 1 July applies for the following six months.",
    )
    rate = fields.Float(string="Reference Rate (%)", digits=(16, 4), required=True)
    note = fields.Char(help="Source of the rate, for example the central bank's announcement.")

    _sql_constraints = [
        ("date_from_unique", "unique(date_from)", "Two reference rates cannot start on the same day."),
    ]

    @api.constrains("rate")
    def _check_rate(self):
        for row in self:
            if not 0 <= row.rate <= 100:
                raise ValidationError(
                    self.env._(
                        "The reference rate from %(date)s is %(rate)s %%: enter a percentage from 0 to 100.",
                        date=row.date_from,
                        rate=row.rate,
                    )
                )
