"""Decision logic of arrears_management in plain Python.

Nothing in this package imports ``odoo``: models turn records into the
plain values defined here, call these functions and write the results
back in batches. The tests in the repository's top-level ``tests/``
folder cover this package without an Odoo server.
"""
