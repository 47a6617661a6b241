"""Decision logic of customer_service_optimization in plain Python.

Nothing in this package imports ``odoo``: the models turn calendars, tickets
and timers into the plain values defined here, call these functions and write
the results back in batches. The tests in the repository's top-level
``tests/`` folder cover this package without an Odoo server.
"""
