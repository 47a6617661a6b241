"""Open an Odoo 18 environment on a benchmark database without starting a server.

Shared by generate_book.py and run_benchmark.py. Connection settings come from
the environment: ODOO_DB_HOST (default 127.0.0.1), ODOO_DB_USER (default odoo)
and ODOO_ADDONS_PATH (default: the repository root, which contains
arrears_management). account_credit_control is found in Odoo's own addons
namespace, where pip installed it.
"""

import contextlib
import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


_configured = False


def configure(db_name, log_level="warn"):
    """Parse Odoo's configuration for ``db_name`` before opening an env.

    Odoo 18 cannot parse its options twice in one process, so later calls only
    switch the default database.
    """
    global _configured
    import odoo

    if _configured:
        odoo.tools.config["db_name"] = db_name
        return
    _configured = True
    odoo.tools.config.parse_config(
        [
            "--db_host",
            os.environ.get("ODOO_DB_HOST", "127.0.0.1"),
            "--db_user",
            os.environ.get("ODOO_DB_USER", "odoo"),
            "--addons-path",
            os.environ.get("ODOO_ADDONS_PATH", str(REPO_ROOT)),
            "--database",
            db_name,
            "--log-level",
            log_level,
            "--without-demo",
            "all",
        ]
    )


@contextlib.contextmanager
def open_env(db_name, context=None):
    """Yield a superuser environment on ``db_name``; the caller commits or rolls back.

    The cursor is rolled back on exit unless the caller committed.
    """
    import odoo
    from odoo import SUPERUSER_ID, api

    registry = odoo.modules.registry.Registry(db_name)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, dict(context or {}))
        try:
            yield env
        finally:
            cr.rollback()
