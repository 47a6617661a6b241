from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import SQL

from ..logic import aging, ladder

# Day ranges ``(first, last)``, None for an open end, that a days-overdue search
# ``operator value`` covers. The search matches the union of the ranges.
_DAY_RANGES = {
    "=": [lambda days: (days, days)],
    "!=": [lambda days: (None, days - 1), lambda days: (days + 1, None)],
    ">": [lambda days: (days + 1, None)],
    ">=": [lambda days: (days, None)],
    "<": [lambda days: (None, days - 1)],
    "<=": [lambda days: (None, days)],
}


def latest_reminder_items(condition):
    """Return the query of each due line's last reminder line: ``(move_line_id, level_id, run_date)``.

    ``condition`` is an SQL condition on ``item`` that selects the due lines to read. The last
    reminder line written for a due line carries the line's level.
    """
    return SQL(
        """
        SELECT DISTINCT ON (item.move_line_id) item.move_line_id, item.level_id, reminder.run_date
          FROM arrears_reminder_item item
          JOIN arrears_reminder reminder ON reminder.id = item.reminder_id
         WHERE %s
      ORDER BY item.move_line_id, item.id DESC
        """,
        condition,
    )


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    # None of these is stored, because days and buckets change every day and the level and
    # last reminder date come from the reminder log. ``_field_to_sql`` gives lists and pivots
    # an SQL expression to group, sort and filter by.
    arrears_days_overdue = fields.Integer(
        string="Days Overdue",
        compute="_compute_arrears_aging",
        search="_search_arrears_days_overdue",
        help="Days past the due date, today in the company's timezone.",
    )
    arrears_aging_bucket = fields.Char(
        string="Aging Bucket", compute="_compute_arrears_aging", search="_search_arrears_aging_bucket"
    )
    arrears_level_id = fields.Many2one(
        "arrears.policy.level",
        string="Reminder Level",
        compute="_compute_arrears_aging",
        search="_search_arrears_level_id",
        help="Level of the last reminder that listed this line.",
    )
    arrears_last_reminder_date = fields.Date(string="Last Reminder", compute="_compute_arrears_aging")
    arrears_next_reminder_date = fields.Date(string="Next Reminder", compute="_compute_arrears_aging")

    # ------------------------------------------------------------------
    # Aging values, in Python and in SQL
    # ------------------------------------------------------------------

    def _arrears_history(self):
        """Return ``{line id: (level id, run date)}`` of each line's last reminder.

        The reminder log is the only record of a line's level.
        """
        line_ids = [line_id for line_id in self._origin.ids if line_id]
        if not line_ids:
            return {}
        self.env["arrears.reminder.item"].flush_model(["move_line_id", "level_id", "reminder_id"])
        self.env["arrears.reminder"].flush_model(["run_date"])
        rows = self.env.execute_query(latest_reminder_items(SQL("item.move_line_id = ANY(%s)", line_ids)))
        return {line_id: (level_id, run_date) for line_id, level_id, run_date in rows}

    def _arrears_is_open(self):
        """Tell whether this line is an open receivable due line of a posted customer invoice."""
        self.ensure_one()
        return (
            self.move_id.move_type == "out_invoice"
            and self.parent_state == "posted"
            and self.account_id.account_type == "asset_receivable"
            and not self.reconciled
            and self.amount_residual > 0
            and bool(self.date_maturity)
        )

    def _arrears_aging_values(self):
        """Return ``{line: {field name: value}}`` of the aging fields of these lines, today."""
        history = self._arrears_history()
        levels = self.env["arrears.policy.level"].browse({level_id for level_id, _date in history.values()})
        result = {}
        for company, company_lines in self.grouped("company_id").items():
            today = company._arrears_today()
            boundaries = company._arrears_bucket_boundaries()
            open_lines = company_lines.filtered(lambda line: line._origin.id and line._arrears_is_open())._origin
            next_dates = {}
            if open_lines:
                due_lines = open_lines._arrears_due_lines(history)
                policies = open_lines._arrears_policies(company)
                last_dates = self.env["arrears.reminder"]._last_reminder_dates(company, open_lines.partner_id)
                for due_line in due_lines:
                    policy = policies.get(due_line.partner_id)
                    if policy:
                        next_dates[due_line.id] = ladder.next_reminder_date(
                            policy, due_line, last_dates.get(due_line.partner_id), today
                        )
            for line in company_lines:
                level_id, last_date = history.get(line._origin.id, (0, None))
                days = aging.days_overdue(line.date_maturity, today) if line.date_maturity else 0
                result[line] = {
                    "arrears_days_overdue": days,
                    "arrears_aging_bucket": aging.bucket_label(days, boundaries) if line.date_maturity else False,
                    "arrears_level_id": levels.browse(level_id),
                    "arrears_last_reminder_date": last_date or False,
                    "arrears_next_reminder_date": next_dates.get(line._origin.id) or False,
                }
        return result

    def _compute_arrears_aging(self):
        values = self._arrears_aging_values()
        for line in self:
            line.update(values[line])

    def _arrears_company_case(self, company_column, value_by_company, cast):
        """Return ``CASE company_column WHEN company THEN value ... END`` over all companies."""
        return SQL(
            "(CASE %s %s END)",
            company_column,
            SQL(" ").join(
                SQL("WHEN %s THEN %s::%s", company_id, value, SQL(cast))
                for company_id, value in value_by_company.items()
            ),
        )

    def _arrears_company_settings(self):
        """Return ``{company id: (today, bucket boundaries)}`` for every company."""
        return {
            company.id: (company._arrears_today(), company._arrears_bucket_boundaries())
            for company in self.env["res.company"].sudo().search([])  # pylint: disable=no-search-all
        }

    def _field_to_sql(self, alias, fname, query=None, flush=True):
        if fname not in (
            "arrears_days_overdue",
            "arrears_aging_bucket",
            "arrears_level_id",
            "arrears_last_reminder_date",
        ):
            return super()._field_to_sql(alias, fname, query, flush)
        latest = latest_reminder_items(SQL("item.move_line_id = %s", SQL.identifier(alias, "id")))
        if fname == "arrears_level_id":
            return SQL("(SELECT latest.level_id FROM (%s) latest)", latest)
        if fname == "arrears_last_reminder_date":
            return SQL("(SELECT latest.run_date FROM (%s) latest)", latest)
        settings = self._arrears_company_settings()
        company = super()._field_to_sql(alias, "company_id", query, flush)
        due_date = super()._field_to_sql(alias, "date_maturity", query, flush)
        today = self._arrears_company_case(company, {key: value[0] for key, value in settings.items()}, "date")
        days = SQL("(%s - %s)", today, due_date)
        if fname == "arrears_days_overdue":
            return SQL("COALESCE(%s, 0)", days)
        by_company = SQL(" ").join(
            SQL(
                "WHEN %s = %s THEN (CASE %s ELSE %s END)",
                company,
                company_id,
                SQL(" ").join(
                    SQL("WHEN %s <= %s THEN %s", days, last, label)
                    for label, _first, last in aging.bucket_ranges(boundaries)
                    if last is not None
                ),
                aging.bucket_ranges(boundaries)[-1][0],
            )
            for company_id, (_today, boundaries) in settings.items()
        )
        return SQL("(CASE WHEN %s IS NULL THEN NULL %s END)", due_date, by_company)

    @api.model
    def _arrears_company_days_domain(self, company_id, today, first, last):
        """Return the domain of the company's lines from ``first`` to ``last`` days overdue (None for an open end).

        Days overdue become due dates, counted back from the company's ``today``.
        """
        domain = [("company_id", "=", company_id), ("date_maturity", "!=", False)]
        if first is not None:
            domain.append(("date_maturity", "<=", today - timedelta(days=first)))
        if last is not None:
            domain.append(("date_maturity", ">=", today - timedelta(days=last)))
        return domain

    def _arrears_days_domain(self, first, last):
        """Return the domain of lines from ``first`` to ``last`` days overdue in every company.

        Lines without a due date count as 0 days overdue, as the computed field shows them.
        """
        domains = [
            self._arrears_company_days_domain(company_id, today, first, last)
            for company_id, (today, _boundaries) in self._arrears_company_settings().items()
        ]
        if (first is None or first <= 0) and (last is None or last >= 0):
            domains.append([("date_maturity", "=", False)])
        return expression.OR(domains) if domains else expression.FALSE_DOMAIN

    def _search_arrears_days_overdue(self, operator, value):
        if operator not in _DAY_RANGES or isinstance(value, bool) or not isinstance(value, int | float):
            raise UserError(
                self.env._(
                    "Days overdue cannot be searched with %(operator)s %(value)r: compare it with a number of days.",
                    operator=operator,
                    value=value,
                )
            )
        value = int(value)
        return expression.OR([self._arrears_days_domain(*bounds(value)) for bounds in _DAY_RANGES[operator]])

    def _search_arrears_aging_bucket(self, operator, value):
        if operator not in ("=", "!=", "in", "not in"):
            raise UserError(
                self.env._(
                    "The aging bucket cannot be searched with %(operator)s: pick one or more buckets such as 1-30.",
                    operator=operator,
                )
            )
        labels = [value] if isinstance(value, str | bool) else list(value)
        domains = []
        for company_id, (today, boundaries) in self._arrears_company_settings().items():
            for label in labels:
                if label is False:
                    domains.append([("company_id", "=", company_id), ("date_maturity", "=", False)])
                    continue
                day_range = aging.bucket_day_range(label, boundaries)
                if day_range is not None:
                    domains.append(self._arrears_company_days_domain(company_id, today, *day_range))
        domain = expression.OR(domains) if domains else expression.FALSE_DOMAIN
        return domain if operator in ("=", "in") else ["!", *domain]

    def _search_arrears_level_id(self, operator, value):
        if value is False and operator in ("=", "!="):
            reminded = SQL("(SELECT item.move_line_id FROM arrears_reminder_item item)")
            return [("id", "not in" if operator == "=" else "in", reminded)]
        if isinstance(value, str) or operator in ("like", "ilike", "not like", "not ilike", "=like", "=ilike"):
            negative = operator in expression.NEGATIVE_TERM_OPERATORS
            name_operator = expression.TERM_OPERATORS_NEGATION[operator] if negative else operator
            level_ids = self.env["arrears.policy.level"]._search([("name", name_operator, value)])
            operator = "not in" if negative else "in"
            value = list(level_ids)
        level_ids = [value] if isinstance(value, int) else list(value)
        if operator not in ("=", "!=", "in", "not in"):
            raise UserError(
                self.env._(
                    "The reminder level cannot be searched with %(operator)s: pick one or more levels.",
                    operator=operator,
                )
            )
        matching = SQL(
            "(SELECT latest.move_line_id FROM (%s) latest WHERE latest.level_id = ANY(%s))",
            latest_reminder_items(SQL("TRUE")),
            [level_id for level_id in level_ids if level_id],
        )
        return [("id", "in" if operator in ("=", "in") else "not in", matching)]

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
            ["partner_id", "move_id", "date_maturity", "amount_residual", "arrears_resume_level_id"],
            order="partner_id, date_maturity, id",
        )

    def _arrears_policies(self, company):
        """Return ``{partner_id: ladder.Policy}`` for the customers of these lines."""
        default_policy = company.arrears_policy_id
        cache = {}
        result = {}
        partners = self.partner_id.with_company(company)
        # Read the one field needed, not every column of thousands of customers.
        partners.fetch(["arrears_policy_id"])
        for partner in partners:
            policy = partner.arrears_policy_id or default_policy
            if not policy or not policy.level_ids:
                continue
            if policy.id not in cache:
                cache[policy.id] = policy._to_ladder_policy()
            result[partner.id] = cache[policy.id]
        return result

    def _arrears_due_lines(self, history=None):
        """Turn these lines into ``ladder.DueLine`` values, in the order of ``self``.

        ``history`` is ``_arrears_history()`` of these lines, when the caller
        already has it. The values come from one query: a run turns every open
        line of a company into a DueLine, and reading thousands of them field
        by field through the ORM costs more than the query.
        """
        if history is None:
            history = self._arrears_history()
        if not self:
            return []
        self.flush_model(["partner_id", "date_maturity", "amount_residual", "arrears_resume_level_id", "move_id"])
        self.env["account.move"].flush_model(["arrears_excluded"])
        rows = self.env.execute_query(
            SQL(
                """
                SELECT line.id, line.partner_id, line.date_maturity, line.amount_residual,
                       line.arrears_resume_level_id, move.arrears_excluded
                  FROM account_move_line line
                  JOIN account_move move ON move.id = line.move_id
                 WHERE line.id = ANY(%s)
                """,
                list(self._ids),
            )
        )
        by_id = {row[0]: row for row in rows}
        due_lines = []
        for line_id in self._ids:
            _id, partner_id, due_date, residual, floor_level_id, excluded = by_id[line_id]
            due_lines.append(
                ladder.DueLine(
                    id=line_id,
                    partner_id=partner_id or 0,
                    due_date=due_date,
                    residual=residual,
                    current_level_id=history.get(line_id, (0, None))[0],
                    excluded=bool(excluded),
                    floor_level_id=floor_level_id or 0,
                )
            )
        return due_lines

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

    def _arrears_recipients(self, partner_ids):
        """Return ``{customer id: contact}``: who each customer's reminder about these lines goes to.

        In order: the customer's collections contact, the invoice partner of
        its oldest line when it has an email, its invoice-address contacts
        with an email, then the customer itself. Reads everything in a few
        queries for all customers at once.
        """
        Partner = self.env["res.partner"]
        customers = Partner.browse(partner_ids)
        customers.fetch(["arrears_collections_contact_id"])
        invoice_contacts = {}
        for contact in Partner.search_fetch(
            [("parent_id", "in", customers.ids), ("type", "=", "invoice"), ("email", "!=", False)],
            ["parent_id"],
            order="id",
        ):
            invoice_contacts.setdefault(contact.parent_id.id, contact.id)
        # The invoice partner with an email of each customer's oldest line.
        first_with_email = {}
        if self:
            self.flush_model(["partner_id", "date_maturity", "move_id"])
            self.env["account.move"].flush_model(["partner_id"])
            Partner.flush_model(["email"])
            rows = self.env.execute_query(
                SQL(
                    """
                    SELECT DISTINCT ON (line.partner_id) line.partner_id, move.partner_id
                      FROM account_move_line line
                      JOIN account_move move ON move.id = line.move_id
                      JOIN res_partner contact ON contact.id = move.partner_id
                     WHERE line.id = ANY(%s) AND contact.email IS NOT NULL AND contact.email != ''
                  ORDER BY line.partner_id, line.date_maturity, line.id
                    """,
                    list(self._ids),
                )
            )
            first_with_email = dict(rows)
        recipients = {}
        for customer in customers:
            recipient = customer.arrears_collections_contact_id
            if not recipient:
                recipient = Partner.browse(
                    first_with_email.get(customer.id) or invoice_contacts.get(customer.id) or customer.id
                )
            recipients[customer.id] = recipient
        return recipients
