from odoo import api, fields, models

from ..logic import aging, ladder
from .bulk_update import bulk_update


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

    def _arrears_plan(self, company, today, due_lines=None):
        """Return today's planned reminders for these lines, and the policy of each customer.

        ``due_lines`` are these lines as ``_arrears_due_lines`` returns them,
        when the caller already has them.
        """
        policies = self._arrears_policies(company)
        last_dates = self.env["arrears.reminder"]._last_reminder_dates(company, self.partner_id)
        if due_lines is None:
            due_lines = self._arrears_due_lines()
        plan = ladder.plan_run(due_lines, policies, last_dates, today)
        return plan, policies

    def _arrears_refresh_aging(self, company, today, policies, due_lines=None, reminded_line_ids=()):
        """Store days overdue, bucket, level and reminder dates on these lines and their invoices.

        ``due_lines`` carry each line's level after today's run, and the lines
        in ``reminded_line_ids`` were reminded today. One ``bulk_update`` per
        table writes everything, and each invoice's summary fields are computed
        from its lines with the same ``aging.summarize_lines`` as
        ``account.move._compute_arrears_summary``.
        """
        boundaries = company._arrears_bucket_boundaries()
        last_dates = self.env["arrears.reminder"]._last_reminder_dates(company, self.partner_id)
        if due_lines is None:
            due_lines = self._arrears_due_lines()
        level_ids = {due_line.current_level_id for due_line in due_lines} - {0}
        level_days = {level.id: level.days for level in self.env["arrears.policy.level"].browse(level_ids)}
        line_rows = []
        lines_by_move = {}
        move_by_line = {line.id: line.move_id.id for line in self}
        for due_line in due_lines:
            days = aging.days_overdue(due_line.due_date, today)
            bucket = aging.bucket_label(days, boundaries)
            policy = policies.get(due_line.partner_id)
            next_date = policy and ladder.next_reminder_date(
                policy, due_line, last_dates.get(due_line.partner_id), today
            )
            next_date = next_date or None
            reminded = today if due_line.id in reminded_line_ids else None
            line_rows.append((due_line.id, days, bucket, next_date, due_line.current_level_id or None, reminded))
            level_id = due_line.current_level_id
            lines_by_move.setdefault(move_by_line[due_line.id], []).append(
                (days, bucket, level_id, level_days.get(level_id, 0), None if due_line.excluded else next_date)
            )
        bulk_update(
            self.env,
            "account.move.line",
            [
                "arrears_days_overdue",
                "arrears_aging_bucket",
                "arrears_next_reminder_date",
                "arrears_level_id",
                "arrears_last_reminder_date",
            ],
            line_rows,
            keep_when_null=("arrears_level_id", "arrears_last_reminder_date"),
        )

        reminded_moves = {move_by_line[line_id] for line_id in reminded_line_ids if line_id in move_by_line}
        move_rows = []
        for move_id, rows in lines_by_move.items():
            summary = aging.summarize_lines(rows)
            move_rows.append(
                (
                    move_id,
                    summary["days_overdue"],
                    summary["aging_bucket"],
                    summary["level_id"] or None,
                    summary["next_reminder_date"],
                    today if move_id in reminded_moves else None,
                )
            )
        bulk_update(
            self.env,
            "account.move",
            [
                "arrears_days_overdue",
                "arrears_aging_bucket",
                "arrears_level_id",
                "arrears_next_reminder_date",
                "arrears_last_reminder_date",
            ],
            move_rows,
            keep_when_null=("arrears_last_reminder_date",),
        )

    def _arrears_recipients(self, partner_ids):
        """Return ``{customer id: contact}``: who each customer's reminder about these lines goes to.

        In order: the customer's collections contact, the invoice partner of
        its oldest line when it has an email, its invoice-address contacts
        with an email, then the customer itself. Reads everything in a few
        queries for all customers at once.
        """
        customers = self.env["res.partner"].browse(partner_ids)
        invoice_contacts = {}
        for contact in self.env["res.partner"].search(
            [("parent_id", "in", customers.ids), ("type", "=", "invoice"), ("email", "!=", False)], order="id"
        ):
            invoice_contacts.setdefault(contact.parent_id.id, contact)
        lines_by_customer = {}
        for line in self.sorted(lambda line: (line.date_maturity, line.id)):
            lines_by_customer.setdefault(line.partner_id.id, []).append(line)

        recipients = {}
        for customer in customers:
            recipient = customer.arrears_collections_contact_id
            if not recipient:
                with_email = [line for line in lines_by_customer.get(customer.id, []) if line.move_id.partner_id.email]
                recipient = (
                    with_email[0].move_id.partner_id if with_email else invoice_contacts.get(customer.id, customer)
                )
            recipients[customer.id] = recipient
        return recipients
