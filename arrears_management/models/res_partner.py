from odoo import api, fields, models
from odoo.tools import SQL


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
        company_dependent=True,
        readonly=True,
        group_expand="_read_group_expand_arrears_levels",
        help="Highest level among the customer's open invoices at the last escalation run.",
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
        groups = self.env["account.move.line"]._read_group(
            domain,
            ["partner_id"],
            ["amount_residual:sum", "date_maturity:min", "arrears_next_reminder_date:min"],
        )
        overdue_groups = self.env["account.move.line"]._read_group(
            domain + [("date_maturity", "<", today)], ["partner_id"], ["amount_residual:sum"]
        )
        overdue = {partner.id: amount for partner, amount in overdue_groups}
        figures = {partner.id: (oldest, next_date) for partner, _amount, oldest, next_date in groups}
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

    def _arrears_refresh_level(self, company):
        """Store the highest level among each customer's open lines in ``company``.

        The level is company-dependent, so it lives in a JSON column keyed by
        company id. One ``UPDATE`` sets the key for every customer: going
        through ``write()`` would run the partner's commercial-field sync for
        each of thousands of customers.
        """
        lines = self.env["account.move.line"].search_fetch(
            self.env["account.move.line"]._arrears_open_lines_domain(company) + [("partner_id", "in", self.ids)],
            ["partner_id", "arrears_level_id"],
        )
        highest = {}
        for line in lines:
            level = line.arrears_level_id
            current = highest.get(line.partner_id.id)
            if level and (not current or level.days > current.days):
                highest[line.partner_id.id] = level
        self._arrears_write_company_value(
            company, "arrears_level_id", {partner_id: level.id for partner_id, level in highest.items()}
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
        cast = SQL.identifier(self._fields[field_name]._column_type[1].lower())
        self.flush_model([field_name])
        rows = SQL(", ").join(
            SQL("(%s, %s::%s)", partner_id, value_by_partner.get(partner_id), cast) for partner_id in self.ids
        )
        self.env.cr.execute(
            SQL(
                """
                UPDATE res_partner AS partner
                   SET %s = COALESCE(partner.%s, '{}'::jsonb) || jsonb_build_object(%s, batch.value)
                  FROM (VALUES %s) AS batch(id, value)
                 WHERE partner.id = batch.id
                   AND (partner.%s -> %s) IS DISTINCT FROM to_jsonb(batch.value)
                """,
                SQL.identifier(field_name),
                SQL.identifier(field_name),
                str(company.id),
                rows,
                SQL.identifier(field_name),
                str(company.id),
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
