from odoo import api, fields, models

from ..logic import aging, ladder


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    arrears_days_overdue = fields.Integer(
        string="Days Overdue", readonly=True, help="Days past the due date at the last escalation run."
    )
    arrears_aging_bucket = fields.Char(string="Aging Bucket", readonly=True)
    arrears_level_id = fields.Many2one(
        "arrears.policy.level", string="Reminder Level", readonly=True, ondelete="set null", index="btree_not_null"
    )
    arrears_last_reminder_date = fields.Date(string="Last Reminder", readonly=True)
    arrears_next_reminder_date = fields.Date(string="Next Reminder", readonly=True)

    @api.model
    def _arrears_open_lines_domain(self, company):
        return [
            ("company_id", "=", company.id),
            ("move_id.move_type", "=", "out_invoice"),
            ("parent_state", "=", "posted"),
            ("account_id.account_type", "=", "asset_receivable"),
            ("reconciled", "=", False),
            ("amount_residual", ">", 0),
            ("date_maturity", "!=", False),
        ]

    @api.model
    def _arrears_open_lines(self, company, partners=None):
        """Return the open receivable due lines of the company's customer invoices in one query."""
        domain = self._arrears_open_lines_domain(company)
        if partners is not None:
            domain.append(("partner_id", "in", partners.commercial_partner_id.ids))
        return self.search_fetch(
            domain,
            ["partner_id", "move_id", "date_maturity", "amount_residual", "arrears_level_id"],
            order="partner_id, date_maturity, id",
        )

    def _arrears_policies(self, company):
        """Return ``{partner_id: ladder.Policy}`` for the customers of these lines."""
        default_policy = company.arrears_policy_id
        cache = {}
        result = {}
        for partner in self.partner_id.with_company(company):
            policy = partner.arrears_policy_id or default_policy
            if not policy or not policy.level_ids:
                continue
            if policy.id not in cache:
                cache[policy.id] = policy._to_ladder_policy()
            result[partner.id] = cache[policy.id]
        return result

    def _arrears_due_lines(self):
        """Turn these lines into ``ladder.DueLine`` values."""
        excluded_moves = set(self.move_id.filtered("arrears_excluded").ids)
        return [
            ladder.DueLine(
                id=line.id,
                partner_id=line.partner_id.id,
                due_date=line.date_maturity,
                residual=line.amount_residual,
                current_level_id=line.arrears_level_id.id,
                excluded=line.move_id.id in excluded_moves,
                floor_level_id=line.arrears_resume_level_id.id,
            )
            for line in self
        ]

    def _arrears_plan(self, company, today):
        """Return today's planned reminders for these lines, and the policy of each customer."""
        policies = self._arrears_policies(company)
        last_dates = self.env["arrears.reminder"]._last_reminder_dates(company, self.partner_id)
        plan = ladder.plan_run(self._arrears_due_lines(), policies, last_dates, today)
        return plan, policies

    def _arrears_refresh_aging(self, company, today, policies):
        """Write days overdue, bucket and next reminder date, one write per distinct value set."""
        boundaries = company._arrears_bucket_boundaries()
        last_dates = self.env["arrears.reminder"]._last_reminder_dates(company, self.partner_id)
        groups = {}
        for due_line in self._arrears_due_lines():
            days = aging.days_overdue(due_line.due_date, today)
            policy = policies.get(due_line.partner_id)
            next_date = policy and ladder.next_reminder_date(
                policy, due_line, last_dates.get(due_line.partner_id), today
            )
            key = (days, aging.bucket_label(days, boundaries), next_date or False)
            groups.setdefault(key, []).append(due_line.id)
        for (days, bucket, next_date), line_ids in groups.items():
            self.browse(line_ids).write(
                {
                    "arrears_days_overdue": days,
                    "arrears_aging_bucket": bucket,
                    "arrears_next_reminder_date": next_date,
                }
            )

    def _arrears_recipient(self):
        """Return the contact a reminder about these lines goes to.

        In order: the customer's collections contact, the invoice partner of
        the oldest line when it has an email, the customer's invoice-address
        contacts with an email, then the customer itself.
        """
        customer = self[:1].partner_id.commercial_partner_id
        if customer.arrears_collections_contact_id:
            return customer.arrears_collections_contact_id
        for line in self.sorted(lambda line: (line.date_maturity, line.id)):
            if line.move_id.partner_id.email:
                return line.move_id.partner_id
        invoice_contacts = customer.child_ids.filtered(lambda child: child.type == "invoice" and child.email)
        return invoice_contacts[:1] or customer
