"""Make the addons' plain-Python subpackages importable without Odoo.

Importing ``arrears_management.logic`` normally runs the addon's
``__init__.py``, which imports ``odoo``. Registering each addon folder as
an empty namespace-like package first lets these tests import the
``logic`` subpackages alone, on a machine with or without Odoo.
"""

import sys
import types
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
ADDONS = ("arrears_management", "customer_service_optimization")

for addon in ADDONS:
    if addon not in sys.modules and (REPOSITORY / addon).is_dir():
        package = types.ModuleType(addon)
        package.__path__ = [str(REPOSITORY / addon)]
        sys.modules[addon] = package
