import logging
from collections import defaultdict
from datetime import timedelta

import psycopg2

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_date

from ..logic import fees as fee_logic

_logger = logging.getLogger(__name__)

CHARGE_KINDS = [
    ("invoice", "Fixed Fee per Invoice"),
    ("level", "Reminder Level Fee"),
    ("interest", "Interest"),
    ("plan", "Payment Plan Fee"),
]
CHARGE_STATES = [("charged", "Charged"), ("waived", "Waived")]

# Invoices excluded for these reasons get no fees while they stay excluded:
# a disputed amount may not be owed, and a payment plan fixes what is.
FEE_FREE_EXCLUSIONS = ("dispute", "plan")


class ArrearsFeeCharge(models.Model):
    _name = "arrears.fee.charge"
    _description = "Late Fee Charge"
    _order = "period_start desc, id desc"
    _check_company_auto = True

    name = fields.Char(string="Description", required=True, readonly=True)
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, index=True, readonly=True)
    move_id = fields.Many2one(
        "account.move",
        string="Invoice",
        required=True,
        index=True,
        readonly=True,
        ondelete="cascade",
        help="Overdue invoice the fee is charged for.",
    )
    move_line_id = fields.Many2one(
        "account.move.line", string="Due Line", index="btree_not_null", readonly=True, ondelete="cascade"
    )
    plan_id = fields.Many2one("arrears.plan", string="Payment Plan", index="btree_not_null", readonly=True)
    kind = fields.Selection(CHARGE_KINDS, required=True, readonly=True)
    level_id = fields.Many2one("arrears.policy.level", string="Reminder Level", readonly=True, ondelete="restrict")
    period_start = fields.Date(required=True, readonly=True)
    period_end = fields.Date(readonly=True)
    days = fields.Integer(string="Interest Days", readonly=True)
    rate = fields.Float(string="Annual Rate (%)", digits=(16, 4), readonly=True)
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    amount = fields.Monetary(required=True, readonly=True, help="Amount charged, in the invoice's currency.")
    fee_move_id = fields.Many2one(
        "account.move", string="Fee Invoice", index="btree_not_null", readonly=True, ondelete="cascade"
    )
    fee_move_line_id = fields.Many2one(
        "account.move.line", string="Fee Invoice Line", readonly=True, ondelete="set null"
    )
    state = fields.Selection(CHARGE_STATES, default="charged", required=True, readonly=True, index=True)
    waive_reason = fields.Text(readonly=True)
    waived_by_id = fields.Many2one("res.users", readonly=True)
    waived_date = fields.Date(readonly=True)

    def init(self):
        # Partial unique indexes: PostgreSQL refuses a second charge of one period,
        # level, invoice fee or plan fee even when two runs race or a run repeats.
        indexes = {
            "arrears_fee_charge_interest_unique": "(move_line_id, period_start) WHERE kind = 'interest'",
            "arrears_fee_charge_level_unique": "(move_line_id, level_id) WHERE kind = 'level'",
            "arrears_fee_charge_invoice_unique": "(move_id) WHERE kind = 'invoice'",
            "arrears_fee_charge_plan_unique": "(plan_id) WHERE kind = 'plan'",
        }
        for name, definition in indexes.items():
            self.env.cr.execute(
                SQL(
                    "CREATE UNIQUE INDEX IF NOT EXISTS %s ON arrears_fee_charge " + definition,
                    SQL.identifier(name),
                )
            )

    # ------------------------------------------------------------------
    # Fee run
    # ------------------------------------------------------------------

    @api.model
    def _cron_charge_fees(self, batch_size=2000):
        """Charge the late fees and interest that are due, one bounded batch of due lines per call.

        Each due line is looked at once per day (``arrears_fee_checked_date``),
        so the cron runner's repeated calls move through the backlog and stop.
        """
        companies = self.env["res.company"].sudo().search([])  # pylint: disable=no-search-all
        _logger.info("Arrears fee run started for %s companies", len(companies))
        checked_total, charge_total, remaining = 0, 0, 0
        for company in companies:
            budget = batch_size - checked_total
            if budget <= 0:
                today = company._arrears_today()
                remaining += (
                    self.env["account.move.line"]
                    .sudo()
                    .search_count(self.env["account.move.line"]._arrears_fee_candidates_domain(company, today))
                )
                continue
            checked, charges, left = self.sudo().with_company(company)._charge_company(company, limit=budget)
            checked_total += checked
            charge_total += len(charges)
            remaining += left
        self.env["ir.cron"]._notify_progress(done=checked_total, remaining=remaining)
        _logger.info(
            "Arrears fee run finished: %s due lines checked, %s charges raised, %s lines remaining",
            checked_total,
            charge_total,
            remaining,
        )
        return charge_total

    def _charge_company(self, company, partners=None, today=None, limit=None):
        """Charge the fees of ``company`` that are due on ``today``.

        Return ``(lines checked, charges created, lines still to check today)``.
        """
        today = today or company._arrears_today()
        lock_key = f"arrears_management.fees.{company.id}"
        self.env.cr.execute(SQL("SELECT pg_try_advisory_xact_lock(hashtext(%s))", lock_key))
        if not self.env.cr.fetchone()[0]:
            _logger.info("Arrears fee run of company %s skipped: another worker is running it", company.id)
            return 0, self.browse(), 0

        Line = self.env["account.move.line"]
        domain = Line._arrears_fee_candidates_domain(company, today)
        if partners is not None:
            domain.append(("partner_id", "in", partners.commercial_partner_id.ids))
        lines = Line.search(domain, limit=limit, order="partner_id, move_id, date_maturity, id")
        values, settled_ids, pending_ids = self._plan_charges(company, lines, today)
        charges = self._create_fee_invoices(company, values, today)

        lines.write({"arrears_fee_checked_date": today})
        Line.browse(settled_ids).write({"arrears_fee_pending": False})
        Line.browse(pending_ids).filtered(lambda line: not line.arrears_fee_pending).write(
            {"arrears_fee_pending": True}
        )
        remaining = Line.search_count(domain) if limit and len(lines) == limit else 0
        _logger.info(
            "Arrears fee run of company %s: %s due lines checked, %s charges raised",
            company.id,
            len(lines),
            len(charges),
        )
        return len(lines), charges, remaining

    def _plan_charges(self, company, lines, today):
        """Return the values of the charges due on ``lines`` today and the ids of settled and pending lines."""
        existing = self.search_fetch(
            ["|", ("move_line_id", "in", lines.ids), ("move_id", "in", lines.move_id.ids)],
            ["move_id", "move_line_id", "kind", "level_id", "period_end", "amount", "state"],
        )
        charged_until, charged_total, charged_levels = {}, defaultdict(float), defaultdict(set)
        invoice_fee_moves = set()
        for charge in existing:
            line_id = charge.move_line_id.id
            if charge.kind == "invoice":
                invoice_fee_moves.add(charge.move_id.id)
            if charge.kind == "interest" and charge.period_end:
                charged_until[line_id] = max(charged_until.get(line_id, charge.period_end), charge.period_end)
            if charge.kind == "level":
                charged_levels[line_id].add(charge.level_id.id)
            if charge.state == "charged" and line_id:
                charged_total[line_id] += charge.amount

        reached = defaultdict(set)
        for line, level in self.env["arrears.reminder.item"]._read_group(
            [("move_line_id", "in", lines.ids)], ["move_line_id", "level_id"]
        ):
            reached[line.id].add(level.id)

        policy_by_partner = lines.partner_id._arrears_fee_policy_by_partner(company)
        values, settled_ids, pending_ids = [], [], []
        for line in lines:
            policy = policy_by_partner.get(line.partner_id.id)
            move = line.move_id
            if not policy or (move.arrears_excluded and move.arrears_exclusion_reason in FEE_FREE_EXCLUSIONS):
                continue
            if policy.fee_start_date and line.date_maturity < policy.fee_start_date:
                if line.reconciled:
                    settled_ids.append(line.id)
                continue
            line_values = line._arrears_charges_due(
                policy,
                today,
                charged_until=charged_until.get(line.id),
                charged_total=charged_total[line.id],
                charged_levels=charged_levels[line.id] | set(),
                reached_levels=reached[line.id],
                invoice_fee_due=move.id not in invoice_fee_moves,
            )
            if line_values and any(value["kind"] == "invoice" for value in line_values):
                invoice_fee_moves.add(move.id)
            values.extend(line_values)
            if line.reconciled:
                settled_ids.append(line.id)
            elif today > fee_logic.interest_start(line.date_maturity, policy.interest_grace_days) - timedelta(days=1):
                pending_ids.append(line.id)
        return values, settled_ids, pending_ids

    def _create_fee_invoices(self, company, values, today):
        """Create one fee invoice per customer and currency with a line per charge; return the charges.

        Each invoice and its charges are created in a savepoint: when a unique
        index rejects a charge (another run charged it first), that customer's
        invoice is dropped and the others go on.
        """
        charges = self.browse()
        if not values:
            return charges
        journal = company._arrears_fee_journal()
        account = company._arrears_fee_account(journal)
        groups = defaultdict(list)
        for value in values:
            groups[(value["partner_id"], value["currency_id"])].append(value)

        for (partner_id, currency_id), group in groups.items():
            invoice_values = {
                "move_type": "out_invoice",
                "partner_id": partner_id,
                "currency_id": currency_id,
                "journal_id": journal.id,
                "invoice_date": today,
                "date": today,
                "arrears_fee_invoice": True,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": value["name"],
                            "quantity": 1,
                            "price_unit": value["amount"],
                            "account_id": account.id,
                            "tax_ids": [Command.clear()],
                        }
                    )
                    for value in group
                ],
            }
            try:
                with self.env.cr.savepoint():
                    invoice = self.env["account.move"].with_company(company).create(invoice_values)
                    invoice_lines = invoice.invoice_line_ids.sorted("id")
                    created = self.create(
                        [
                            dict(value, fee_move_id=invoice.id, fee_move_line_id=invoice_line.id)
                            for value, invoice_line in zip(group, invoice_lines, strict=True)
                        ]
                    )
                    created.flush_recordset()
                    if company.arrears_fee_auto_post:
                        invoice.action_post()
            except psycopg2.errors.UniqueViolation:
                _logger.info(
                    "Arrears fees of customer %s in company %s skipped: already charged by another run",
                    partner_id,
                    company.id,
                )
                continue
            except UserError as err:
                _logger.warning(
                    "Arrears fee invoice of customer %s in company %s failed: %s", partner_id, company.id, err
                )
                continue
            charges |= created
        return charges

    # ------------------------------------------------------------------
    # Labels
    # ------------------------------------------------------------------

    @api.model
    def _label(self, kind, move, lang, level=None, period=None, days=0, rate=0.0, plan=None):
        """Return the fee invoice line label of a charge, in the customer's language."""
        env = self.with_context(lang=lang).env
        if kind == "interest" and not rate:
            start, end = period
            return env._(
                "Late payment interest on %(invoice)s, %(start)s to %(end)s: %(days)s days at the rates in force",
                invoice=move.name,
                start=format_date(env, start, lang_code=lang),
                end=format_date(env, end, lang_code=lang),
                days=days,
            )
        if kind == "interest":
            start, end = period
            rate_text = f"{rate:.2f}"
            return env._(
                "Late payment interest on %(invoice)s, %(start)s to %(end)s: %(days)s days at %(rate)s %% a year",
                invoice=move.name,
                start=format_date(env, start, lang_code=lang),
                end=format_date(env, end, lang_code=lang),
                days=days,
                rate=rate_text,
            )
        if kind == "level":
            return env._("Reminder fee (%(level)s) on %(invoice)s", level=level.name, invoice=move.name)
        if kind == "plan":
            return env._("Payment plan fee (%(plan)s)", plan=plan.name)
        return env._("Late payment compensation on %(invoice)s", invoice=move.name)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_open_fee_invoice(self):
        self.ensure_one()
        return self.fee_move_id._get_records_action()
