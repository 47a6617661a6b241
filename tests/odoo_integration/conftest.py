"""Fixtures for tests that need a real, committed Odoo database.

These tests run outside Odoo's test transaction because they need several
real transactions at once. tools/test.sh runs them after the Odoo suite, on
the throwaway database it created, by setting ODOO_TEST_CONFIG and
ODOO_TEST_DB; without those variables they are skipped.
"""

import os

import pytest


@pytest.fixture(scope="session")
def odoo_registry():
    config_path = os.environ.get("ODOO_TEST_CONFIG")
    database = os.environ.get("ODOO_TEST_DB")
    if not (config_path and database):
        pytest.skip("ODOO_TEST_CONFIG and ODOO_TEST_DB are not set: run through tools/test.sh")
    import odoo
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(["-c", config_path, "-d", database, "--log-level=warn"])
    return Registry(database)
