from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import SQL

from .account_move_line import latest_reminder_items


class ResPartner(models.Model):
    _inherit = "res.partner"

    arrears_policy_id = fields.Many2one(
        "arrears.policy",
        string="Escalation Policy",
        company_dependent=True,
        help="Overrides the company's default escalation policy for this customer.",
    )
    arrears_collections_contact_id = fields.Many2one(
        "res.partner",
        string="Collections Contact",
        domain="[('commercial_partner_id', '=', commercial_partner_id)]",
        help="Contact that receives every reminder of this customer.",
    )
    arrears_collector_id = fields.Many2one(
        "res.users",
        string="Collector",
        company_dependent=True,
        help="User who gets the call activities of this customer.",
    )
    arrears_credit_hold = fields.Boolean(
        string="Credit Hold",
        company_dependent=True,
        tracking=True,
        help="Set by escalation levels that put customers on hold.",
    )
    arrears_opt_out = fields.Boolean(
        string="No Automated Reminders",
        help="The customer asked not to receive automated reminders; queued ones fail with this reason.",
    )
    arrears_level_id = fields.Many2one(
        "arrears.policy.level",
        string="Highest Reminder Level",
        compute="_compute_arrears_level_id",
        search="_search_arrears_level_id",
        group_expand="_read_group_expand_arrears_levels",
        help="Highest level among the customer's open invoices in the current company.",
    )
    arrears_total_overdue = fields.Monetary(
        string="Total Overdue", compute="_compute_arrears_figures", currency_field="arrears_currency_id"
    )
    arrears_oldest_due_date = fields.Date(string="Oldest Due Date", compute="_compute_arrears_figures")
    arrears_next_action = fields.Char(string="Next Collection Action", compute="_compute_arrears_figures")
    arrears_currency_id = fields.Many2one("res.currency", compute="_compute_arrears_figures")
    arrears_reminder_ids = fields.One2many("arrears.reminder", "partner_id", string="Reminder History")
    arrears_reminder_count = fields.Integer(compute="_compute_arrears_reminder_count")

    def _compute_arrears_figures(self):
        company = self.env.company
        today = company._arrears_today()
        domain = self.env["account.move.line"]._arrears_open_lines_domain(company) + [
            ("partner_id", "in", self.commercial_partner_id.ids),
        ]
        lines = self.env["account.move.line"].search_fetch(
            domain, ["partner_id", "date_maturity", "amount_residual", "arrears_resume_level_id"]
        )
        next_dates = {
            line.id: values["arrears_next_reminder_date"] for line, values in lines._arrears_aging_values().items()
        }
        overdue, figures = {}, {}
        for line in lines:
            partner_id = line.partner_id.id
            if line.date_maturity < today:
                overdue[partner_id] = overdue.get(partner_id, 0.0) + line.amount_residual
            oldest, next_date = figures.get(partner_id, (False, False))
            line_next = next_dates[line.id]
            figures[partner_id] = (
                min(oldest, line.date_maturity) if oldest else line.date_maturity,
                min(next_date, line_next) if next_date and line_next else next_date or line_next,
            )
        for partner in self:
            commercial = partner.commercial_partner_id
            oldest, next_date = figures.get(commercial.id, (False, False))
            partner.arrears_currency_id = company.currency_id
            partner.arrears_total_overdue = overdue.get(commercial.id, 0.0)
            partner.arrears_oldest_due_date = oldest
            partner.arrears_next_action = partner._arrears_next_action_label(next_date)

    def _arrears_next_action_label(self, next_date):
        if self.arrears_opt_out:
            return self.env._("No automated reminders: call the customer")
        if not next_date:
            return False
        return self.env._("Next reminder on %(date)s", date=fields.Date.to_string(next_date))

    def _compute_arrears_reminder_count(self):
        counts = dict(
            self.env["arrears.reminder"]._read_group([("partner_id", "in", self.ids)], ["partner_id"], ["__count"])
        )
        for partner in self:
            partner.arrears_reminder_count = counts.get(partner, 0)

    @api.model
    def _read_group_expand_arrears_levels(self, levels, domain):
        policy = self.env.company.arrears_policy_id
        return levels | policy.level_ids if policy else levels

    def _arrears_highest_level_sql(self, partner_condition):
        """Return the query of ``(customer id, level id)``: each customer's highest level in the current company.

        A line's level is the one of its last reminder, and only open lines count.
        ``partner_condition`` is an SQL condition on ``line.partner_id``.
        """
        return SQL(
            """
            SELECT DISTINCT ON (line.partner_id) line.partner_id, latest.level_id
              FROM account_move_line line
              JOIN account_account account ON account.id = line.account_id
              JOIN account_move move ON move.id = line.move_id
             CROSS JOIN LATERAL (%(latest)s) latest
              JOIN arrears_policy_level level ON level.id = latest.level_id
             WHERE %(partner_condition)s
               AND line.company_id = %(company_id)s
               AND account.account_type = 'asset_receivable'
               AND move.move_type = 'out_invoice'
               AND line.parent_state = 'posted'
               AND line.reconciled IS NOT TRUE
               AND line.amount_residual > 0
          ORDER BY line.partner_id, level.days DESC, level.id
            """,
            latest=latest_reminder_items(SQL("item.move_line_id = line.id")),
            partner_condition=partner_condition,
            company_id=self.env.company.id,
        )

    def _arrears_flush_for_levels(self):
        self.env["account.move.line"].flush_model(
            ["partner_id", "account_id", "move_id", "company_id", "parent_state", "reconciled", "amount_residual"]
        )
        self.env["account.move"].flush_model(["move_type"])
        self.env["arrears.reminder.item"].flush_model(["move_line_id", "level_id"])

    @api.depends_context("company")
    def _compute_arrears_level_id(self):
        self._arrears_flush_for_levels()
        partner_ids = [partner_id for partner_id in self._origin.ids if partner_id]
        highest = dict(
            self.env.execute_query(self._arrears_highest_level_sql(SQL("line.partner_id = ANY(%s)", partner_ids)))
        )
        for partner in self:
            partner.arrears_level_id = highest.get(partner._origin.id, False)

    def _search_arrears_level_id(self, operator, value):
        if isinstance(value, str):
            negative = operator in expression.NEGATIVE_TERM_OPERATORS
            name_operator = expression.TERM_OPERATORS_NEGATION[operator] if negative else operator
            value = list(self.env["arrears.policy.level"]._search([("name", name_operator, value)]))
            operator = "not in" if negative else "in"
        if operator not in ("=", "!=", "in", "not in"):
            raise UserError(
                self.env._(
                    "The highest reminder level cannot be searched with %(operator)s: pick one or more levels.",
                    operator=operator,
                )
            )
        self._arrears_flush_for_levels()
        highest = dict(self.env.execute_query(self._arrears_highest_level_sql(SQL("TRUE"))))
        requested = set(value) if isinstance(value, list | tuple) else {value}
        if False in requested or None in requested:
            # Customers without a level have no entry, so search the complement of the other levels.
            others = {level_id for level_id in requested if level_id}
            matching = [partner_id for partner_id, level_id in highest.items() if level_id not in others]
            operator = "not in" if operator in ("=", "in") else "in"
        else:
            matching = [partner_id for partner_id, level_id in highest.items() if level_id in requested]
        return [("id", "in" if operator in ("=", "in") else "not in", matching)]

    def _field_to_sql(self, alias, fname, query=None, flush=True):
        if fname != "arrears_level_id":
            return super()._field_to_sql(alias, fname, query, flush)
        if flush:
            self._arrears_flush_for_levels()
        return SQL(
            "(SELECT highest.level_id FROM (%s) highest)",
            self._arrears_highest_level_sql(SQL("line.partner_id = %s", SQL.identifier(alias, "id"))),
        )

    def _arrears_write_company_value(self, company, field_name, value_by_partner):
        """Set the company-dependent ``field_name`` of every partner of ``self`` in ``company``.

        Company-dependent values live in a JSON column keyed by company id; a
        partner missing from ``value_by_partner`` gets no value (null). One
        ``UPDATE`` sets the key for all partners, where ``write()`` would run
        the partner's commercial-field sync for each of thousands of customers.
        """
        if not self:
            return
        # ``column_type`` is jsonb for company-dependent fields; ``_column_type`` is the type of one value.
        cast = SQL(self._fields[field_name]._column_type[1].lower())
        self.flush_model([field_name])
        self.env.cr.execute(
            SQL(
                """
                UPDATE res_partner AS partner
                   SET %(column)s = COALESCE(partner.%(column)s, '{}'::jsonb) || jsonb_build_object(%(key)s, batch.value)
                  FROM unnest(%(ids)s::int4[], %(values)s::%(cast)s[]) AS batch(id, value)
                 WHERE partner.id = batch.id
                   AND (partner.%(column)s -> %(key)s) IS DISTINCT FROM to_jsonb(batch.value)
                """,
                column=SQL.identifier(field_name),
                key=str(company.id),
                ids=self.ids,
                values=[value_by_partner.get(partner_id) for partner_id in self.ids],
                cast=cast,
            )
        )
        self.invalidate_model([field_name])

    def action_arrears_send_now(self):
        """Run today's escalation for these customers and deliver what it queues right away."""
        company = self.env.company
        Reminder = self.env["arrears.reminder"]
        Reminder.check_access("create")
        # The run writes levels and credit holds on customers, which collectors cannot edit by hand.
        reminders = Reminder.sudo().with_company(company)._escalate_company(company, partners=self)
        reminders._deliver()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success" if reminders else "info",
                "message": self.env._("%(count)s reminders sent or queued.", count=len(reminders))
                if reminders
                else self.env._("Nothing is due today for these customers."),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def action_arrears_view_reminders(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("arrears_management.arrears_reminder_action")
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action

    def _arrears_statement_lines(self, company):
        """Return the customer's open receivable items in ``company``: invoices, credit notes, payments."""
        self.ensure_one()
        return self.env["account.move.line"].search(
            [
                ("company_id", "=", company.id),
                ("partner_id", "=", self.commercial_partner_id.id),
                ("account_id.account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
                ("reconciled", "=", False),
                ("amount_residual", "!=", 0),
            ],
            order="date_maturity, id",
        )

    def action_arrears_print_statement(self):
        return self.env.ref("arrears_management.action_report_partner_statement").report_action(self)
