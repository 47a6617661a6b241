"""Two escalation runs at the same time never remind one due line twice.

Each run works in its own database transaction, as two Odoo workers would.
The book is committed first, and the database is the throwaway one that
tools/test.sh drops afterwards.
"""

import threading
from datetime import date, timedelta

import pytest

RUN_DATE = date(2026, 3, 16)


def _environment(registry, cursor):
    from odoo import SUPERUSER_ID, api

    return api.Environment(cursor, SUPERUSER_ID, {})


@pytest.fixture(scope="module")
def book(odoo_registry):
    """Commit a small book of overdue invoices in a company of its own; return the company id."""
    from odoo import Command

    with odoo_registry.cursor() as cursor:
        env = _environment(odoo_registry, cursor)
        company = env["res.company"].create({"name": "Concurrency Test Company", "currency_id": env.ref("base.USD").id})
        env["account.chart.template"].try_loading("generic_coa", company=company, install_demo=False)
        company.arrears_policy_id = env.ref("arrears_management.arrears_policy_default")
        company.partner_id.tz = "UTC"
        env = env(context={"allowed_company_ids": [company.id]})
        customers = env["res.partner"].create(
            [{"name": f"Concurrent customer {index}", "email": f"c{index}@example.com"} for index in range(20)]
        )
        moves = env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "company_id": company.id,
                    "partner_id": customer.id,
                    "invoice_date": RUN_DATE - timedelta(days=40 + offset),
                    "invoice_date_due": RUN_DATE - timedelta(days=10 + offset * 12),
                    "invoice_line_ids": [
                        Command.create({"name": "Work", "quantity": 1, "price_unit": 100.0, "tax_ids": []})
                    ],
                }
                for customer in customers
                for offset in range(3)
            ]
        )
        moves.action_post()
        company_id = company.id
    return company_id


def _run_in_threads(registry, company_id, work):
    """Run ``work(env, company)`` in two threads with their own transactions, started together."""
    barrier = threading.Barrier(2)
    results, errors = [], []

    def worker():
        try:
            with registry.cursor() as cursor:
                env = _environment(registry, cursor)
                company = env["res.company"].browse(company_id)
                env = env(context={"allowed_company_ids": [company_id]})
                barrier.wait(timeout=30)
                results.append(work(env, company))
        except Exception as error:  # noqa: BLE001 - reported by the assert below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results, errors


def _item_counts(registry, company_id):
    with registry.cursor() as cursor:
        cursor.execute(
            """
            SELECT COUNT(*), COUNT(DISTINCT (item.move_line_id, item.level_id, item.channel))
              FROM arrears_reminder_item item
              JOIN arrears_reminder reminder ON reminder.id = item.reminder_id
             WHERE reminder.company_id = %s
            """,
            [company_id],
        )
        total, distinct = cursor.fetchone()
        cursor.execute(
            """
            SELECT COUNT(*) FROM arrears_reminder reminder
             WHERE reminder.company_id = %s
               AND NOT EXISTS (SELECT 1 FROM arrears_reminder_item item WHERE item.reminder_id = reminder.id)
            """,
            [company_id],
        )
        empty = cursor.fetchone()[0]
    return total, distinct, empty


def test_concurrent_runs_queue_once(odoo_registry, book):
    def escalate(env, company):
        return len(env["arrears.reminder"].with_company(company)._escalate_company(company, today=RUN_DATE))

    queued, errors = _run_in_threads(odoo_registry, book, escalate)

    total, distinct, empty = _item_counts(odoo_registry, book)
    assert not errors
    assert sorted(queued)[0] == 0, "the second run finds the company locked or already reminded"
    assert sorted(queued)[1] > 0
    assert total == distinct
    assert empty == 0


def test_unique_index_holds_without_lock(odoo_registry, book):
    """Skip the advisory lock and insert the same plan from both transactions at once."""

    def queue_without_lock(env, company):
        lines = env["account.move.line"]._arrears_open_lines(company)
        plan, _policies = lines._arrears_plan(company, RUN_DATE + timedelta(days=30))
        reminders = env["arrears.reminder"]._queue_plan(company, plan, lines, RUN_DATE + timedelta(days=30))
        return len(reminders)

    from psycopg2.errors import SerializationFailure

    before_total, _distinct, _empty = _item_counts(odoo_registry, book)
    queued, errors = _run_in_threads(odoo_registry, book, queue_without_lock)

    total, distinct, empty = _item_counts(odoo_registry, book)
    assert total > before_total
    assert total == distinct, "PostgreSQL kept one row per line, level and channel"
    assert empty == 0, "the transaction that lost the race kept no reminder"
    # The loser either found nothing left to insert or, under Odoo's REPEATABLE READ
    # isolation, was rolled back with a serialization failure, which Odoo's cron retries.
    assert len(queued) + len(errors) == 2
    assert max(queued) > 0
    assert all(isinstance(error, SerializationFailure) for error in errors), errors
    assert min(queued) == 0 or len(errors) == 1
