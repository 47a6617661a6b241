"""Drop what 18.0.1.0.0 stored and 18.0.1.1.0 computes, and the indexes whose definition changed.

Aging fields of invoices, due lines and customers are computed on read since
18.0.1.1.0, reminder lines keep no create and write stamps (their reminder
has them), and two reminder indexes became partial. Odoo never drops a column
or an index by itself, so an upgraded database would keep the stale copies.
"""

import logging

from odoo.tools import SQL

_logger = logging.getLogger(__name__)

OBSOLETE_COLUMNS = {
    "account_move_line": [
        "arrears_days_overdue",
        "arrears_aging_bucket",
        "arrears_level_id",
        "arrears_last_reminder_date",
        "arrears_next_reminder_date",
    ],
    "account_move": [
        "arrears_days_overdue",
        "arrears_aging_bucket",
        "arrears_level_id",
        "arrears_last_reminder_date",
        "arrears_next_reminder_date",
    ],
    "res_partner": ["arrears_level_id"],
    "arrears_reminder_item": ["create_uid", "create_date", "write_uid", "write_date"],
}

# Recreated as partial indexes (``btree_not_null``) by the upgrade.
REDEFINED_INDEXES = ["arrears_reminder__provider_message_id_index", "arrears_reminder__next_attempt_at_index"]


def migrate(cr, version):
    if not version:
        return
    for table, columns in OBSOLETE_COLUMNS.items():
        for column in columns:
            cr.execute(SQL("ALTER TABLE %s DROP COLUMN IF EXISTS %s", SQL.identifier(table), SQL.identifier(column)))
    for index in REDEFINED_INDEXES:
        cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL.identifier(index)))
    _logger.info("arrears_management: dropped the columns and indexes that 18.0.1.1.0 no longer stores")
