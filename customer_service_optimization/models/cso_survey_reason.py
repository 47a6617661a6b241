from odoo import api, fields, models, tools


class CsoSurveyReason(models.Model):
    """A reason a customer can pick for a low satisfaction score, such as "Slow answer"."""

    _name = "cso.survey.reason"
    _description = "Satisfaction Survey Reason"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        index=True,
        help="Leave empty to offer the reason in the surveys of every company.",
    )
    answer_count = fields.Integer(string="Answers", compute="_compute_answer_count")

    _sql_constraints = [
        (
            "name_company_unique",
            "unique(name, company_id)",
            "A survey reason with this name already exists in this company: choose another name.",
        ),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        self.env.registry.clear_cache()
        return super().create(vals_list)

    def write(self, vals):
        self.env.registry.clear_cache()
        return super().write(vals)

    def unlink(self):
        self.env.registry.clear_cache()
        return super().unlink()

    def _compute_answer_count(self):
        counts = dict(self.env["cso.survey"]._read_group([("reason_id", "in", self.ids)], ["reason_id"], ["__count"]))
        for reason in self:
            reason.answer_count = counts.get(reason, 0)

    @api.model
    @tools.ormcache("company_id", "lang")
    def _survey_choices(self, company_id, lang):
        """Return the active reasons offered to customers of ``company_id`` as ``((id, name), ...)`` in ``lang``.

        The survey page shows them on every click of a survey link, so they are
        cached and the cache is cleared whenever a reason changes.
        """
        reasons = self.sudo().with_context(lang=lang).search([("company_id", "in", [False, company_id])])
        return tuple((reason.id, reason.name) for reason in reasons)
