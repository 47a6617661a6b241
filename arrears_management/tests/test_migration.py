import importlib.util
from pathlib import Path

from odoo.modules.module import get_module_path
from odoo.tests import TransactionCase, tagged


def load_migration(version, name):
    """Import a migration script of this addon, whose file name is not a module name."""
    path = Path(get_module_path("arrears_management"), "migrations", version, f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"arrears_migration_{name.replace('-', '_')}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@tagged("post_install", "-at_install")
class TestMigration(TransactionCase):
    def _columns(self, table):
        self.env.cr.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s", [table])
        return {row[0] for row in self.env.cr.fetchall()}

    def _index_definition(self, name):
        self.env.cr.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [name])
        row = self.env.cr.fetchone()
        return row and row[0]

    def test_upgrade_drops_stored_aging(self):
        """A database of 18.0.1.0.0 loses the columns and full indexes that 18.0.1.1.0 no longer uses."""
        cr = self.env.cr
        cr.execute("ALTER TABLE account_move_line ADD COLUMN arrears_days_overdue int4")
        cr.execute("ALTER TABLE account_move ADD COLUMN arrears_level_id int4")
        cr.execute("ALTER TABLE res_partner ADD COLUMN arrears_level_id jsonb")
        cr.execute("ALTER TABLE arrears_reminder_item ADD COLUMN create_uid int4")
        cr.execute("DROP INDEX arrears_reminder__provider_message_id_index")
        cr.execute("CREATE INDEX arrears_reminder__provider_message_id_index ON arrears_reminder (provider_message_id)")

        load_migration("18.0.1.1.0", "pre-migrate").migrate(cr, "18.0.1.0.0")

        self.assertNotIn("arrears_days_overdue", self._columns("account_move_line"))
        self.assertNotIn("arrears_level_id", self._columns("account_move"))
        self.assertNotIn("arrears_level_id", self._columns("res_partner"))
        self.assertNotIn("create_uid", self._columns("arrears_reminder_item"))
        self.assertIsNone(self._index_definition("arrears_reminder__provider_message_id_index"))
        self.assertIn("amount_residual", self._columns("account_move_line"), "Odoo's own columns stay")

    def test_install_keeps_partial_indexes(self):
        """On a first install the script does nothing: the partial indexes the ORM made stay."""
        load_migration("18.0.1.1.0", "pre-migrate").migrate(self.env.cr, None)

        definition = self._index_definition("arrears_reminder__provider_message_id_index")
        self.assertIn("WHERE (provider_message_id IS NOT NULL)", definition)
