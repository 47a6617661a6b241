"""Generate a deterministic receivables book for the arrears benchmark.

The book belongs to the main company of an Odoo 18 database that already has
arrears_management and account_credit_control installed:

* customers (default: one per four invoices, so 5,000 for 20,000 invoices)
  with an email address, a phone number and a country; 3% have no email, and
  20% have an invoice-address contact with its own email;
* posted customer invoices without taxes, one product line each. Relative to
  ``--today``, 12% are fully paid and 34% are open and overdue, split evenly
  over the 1-30, 31-60, 61-90 and over-90 day buckets. The other 54% are open
  and due within 60 days, so some fall inside the 3-day courtesy window;
* 15% of the open invoices partially paid (20% to 80% of the amount).

Payments are journal entries in the bank journal whose receivable credit lines
are reconciled with the invoices through the same reconciliation code that
registered payments use (``account.move.line._reconcile_plan``). The run date
is stored in the system parameter ``bench_arrears.today`` so the benchmark
ages the book against the same day, and the generation time in
``bench_arrears.generation_seconds``.

Invoices are created and posted through the ORM in chunks of ``--chunk``
(500 by default), one commit per chunk. On the 2-core benchmark machine a
chunk took about 14 s in an empty book and up to 45 s near 20,000 invoices,
with other processes sharing the cores. RESULTS.md has the total times.

Usage::

    python3 benchmarks/arrears/generate_book.py --db bench_arrears_20k --invoices 20000
"""

import argparse
import logging
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_odoo  # noqa: E402

_logger = logging.getLogger("generate_book")

COUNTRIES = [
    # (ISO code, phone prefix, local number length)
    ("US", "+1 202 555", 4),
    ("BE", "+32 470", 6),
    ("FR", "+33 6", 8),
    ("DE", "+49 151", 8),
    ("GB", "+44 7700 900", 3),
    ("NL", "+31 6", 8),
]

PAID_SHARE = 0.12
OVERDUE_SHARE = 0.34
PARTIAL_SHARE_OF_OPEN = 0.15
OVERDUE_BUCKETS = [(1, 30), (31, 60), (61, 90), (91, 240)]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="Database name. Both addons must already be installed in it.")
    parser.add_argument("--invoices", type=int, default=20000, help="Number of posted customer invoices.")
    parser.add_argument("--customers", type=int, help="Number of customers (default: invoices / 4).")
    parser.add_argument("--seed", type=int, default=18, help="Random seed. The same seed gives the same book.")
    parser.add_argument(
        "--today",
        type=date.fromisoformat,
        default=date.today(),
        help="Run date the due dates are relative to (YYYY-MM-DD).",
    )
    parser.add_argument("--chunk", type=int, default=500, help="Invoices created and posted per transaction.")
    return parser.parse_args(argv)


def plan_invoices(rng, invoice_count, customer_count, today):
    """Return one dict per invoice: customer index, amount, due date and the share already paid."""
    invoices = []
    for _index in range(invoice_count):
        amount = round(rng.uniform(100, 5000), 2)
        draw = rng.random()
        if draw < PAID_SHARE:
            due = today - timedelta(days=rng.randint(-20, 200))
            paid_share = 1.0
        elif draw < PAID_SHARE + OVERDUE_SHARE:
            low, high = OVERDUE_BUCKETS[rng.randrange(len(OVERDUE_BUCKETS))]
            due = today - timedelta(days=rng.randint(low, high))
            paid_share = 0.0
        else:
            due = today + timedelta(days=rng.randint(0, 60))
            paid_share = 0.0
        if paid_share == 0.0 and rng.random() < PARTIAL_SHARE_OF_OPEN:
            paid_share = round(rng.uniform(0.2, 0.8), 2)
        invoice_date = min(today, due - timedelta(days=rng.randint(15, 45)))
        invoices.append(
            {
                "customer": rng.randrange(customer_count),
                "amount": amount,
                "due": due,
                "invoice_date": invoice_date,
                "paid_share": paid_share,
            }
        )
    return invoices


def create_customers(env, rng, customer_count):
    """Create the customers and their invoice contacts; return the customer ids in creation order."""
    country_ids = {country.code: country.id for country in env["res.country"].search([])}
    values = []
    for index in range(customer_count):
        code, prefix, digits = COUNTRIES[index % len(COUNTRIES)]
        number = str(rng.randrange(10**digits)).zfill(digits)
        values.append(
            {
                "name": f"Bench Customer {index:05d}",
                "is_company": True,
                "customer_rank": 1,
                "email": False if rng.random() < 0.03 else f"customer{index:05d}@example.com",
                "phone": f"{prefix} {number}",
                "mobile": f"{prefix} {number}",
                "country_id": country_ids[code],
            }
        )
    partners = env["res.partner"].create(values)
    contacts = [
        {
            "name": f"Accounts Payable {index:05d}",
            "type": "invoice",
            "parent_id": partner.id,
            "email": f"ap{index:05d}@example.com",
        }
        for index, partner in enumerate(partners)
        if rng.random() < 0.20
    ]
    env["res.partner"].create(contacts)
    return partners.ids


def post_chunk(env, chunk, customer_ids, accounts):
    """Create and post one chunk of invoices, then pay the paid shares with one bank entry."""
    move_values = [
        {
            "move_type": "out_invoice",
            "partner_id": customer_ids[planned["customer"]],
            "journal_id": accounts["sale_journal"].id,
            "invoice_date": planned["invoice_date"],
            "invoice_date_due": planned["due"],
            "invoice_line_ids": [
                (
                    0,
                    0,
                    {
                        "name": "Consulting services",
                        "quantity": 1,
                        "price_unit": planned["amount"],
                        "account_id": accounts["income"].id,
                        "tax_ids": [(6, 0, [])],
                    },
                )
            ],
        }
        for planned in chunk
    ]
    moves = env["account.move"].create(move_values)
    moves.action_post()

    paid = [(move, planned) for move, planned in zip(moves, chunk, strict=True) if planned["paid_share"] > 0]
    if not paid:
        return len(moves), 0
    today = accounts["today"]
    payment_lines = []
    total = 0.0
    for move, planned in paid:
        amount = round(move.amount_total * planned["paid_share"], 2)
        total += amount
        payment_lines.append(
            (
                0,
                0,
                {
                    "name": f"Payment {move.name}",
                    "partner_id": move.partner_id.id,
                    "account_id": accounts["receivable"].id,
                    "credit": amount,
                },
            )
        )
    payment_lines.append((0, 0, {"name": "Bank receipts", "account_id": accounts["bank"].id, "debit": round(total, 2)}))
    entry = env["account.move"].create(
        {"move_type": "entry", "journal_id": accounts["bank_journal"].id, "date": today, "line_ids": payment_lines}
    )
    entry.action_post()

    receivable_by_move = {line.move_id.id: line for line in moves.line_ids if line.account_id == accounts["receivable"]}
    credit_lines = entry.line_ids.filtered(lambda line: line.account_id == accounts["receivable"])
    plan = [
        receivable_by_move[move.id] | credit_line
        for (move, _planned), credit_line in zip(paid, credit_lines, strict=True)
    ]
    env["account.move.line"]._reconcile_plan(plan)
    return len(moves), len(paid)


def find_accounts(env, customer, today):
    """Return the journals and accounts the book uses, taking the receivable account from ``customer``."""
    company = env.company
    sale_journal = env["account.journal"].search([("type", "=", "sale"), ("company_id", "=", company.id)], limit=1)
    bank_journal = env["account.journal"].search([("type", "=", "bank"), ("company_id", "=", company.id)], limit=1)
    receivable = customer.with_company(company).property_account_receivable_id
    if not (sale_journal and bank_journal and receivable):
        raise SystemExit(
            f"Database {env.cr.dbname} has no sale journal, bank journal or default receivable account: "
            "install a chart of accounts first (Odoo installs the generic one with the account module)."
        )
    return {
        "sale_journal": sale_journal,
        "bank_journal": bank_journal,
        "receivable": receivable,
        "income": sale_journal.default_account_id,
        "bank": bank_journal.default_account_id,
        "today": today,
    }


def main(argv=None):
    args = parse_args(argv)
    customer_count = args.customers or max(1, args.invoices // 4)
    bench_odoo.configure(args.db)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    rng = random.Random(args.seed)
    started = time.perf_counter()
    context = {"tracking_disable": True, "mail_create_nolog": True, "mail_notrack": True}

    with bench_odoo.open_env(args.db, context) as env:
        customer_ids = create_customers(env, rng, customer_count)
        accounts = find_accounts(env, env["res.partner"].browse(customer_ids[0]), args.today)
        env["ir.config_parameter"].set_param("bench_arrears.today", args.today.isoformat())
        env.cr.commit()
        _logger.info("%s customers created in %.1f s", customer_count, time.perf_counter() - started)

        planned = plan_invoices(rng, args.invoices, customer_count, args.today)
        invoice_total = payment_total = 0
        for start in range(0, len(planned), args.chunk):
            created, paid = post_chunk(env, planned[start : start + args.chunk], customer_ids, accounts)
            env.cr.commit()
            env.invalidate_all()
            invoice_total += created
            payment_total += paid
            _logger.info(
                "%s/%s invoices posted, %s paid in part or in full, %.1f s elapsed",
                invoice_total,
                args.invoices,
                payment_total,
                time.perf_counter() - started,
            )
        elapsed = time.perf_counter() - started
        env["ir.config_parameter"].set_param("bench_arrears.generation_seconds", f"{elapsed:.1f}")
        env.cr.commit()
    print(
        f"generated db={args.db} customers={customer_count} invoices={invoice_total} "
        f"paid_or_partial={payment_total} seconds={elapsed:.1f}"
    )


if __name__ == "__main__":
    main()
