"""Batched column updates for bookkeeping fields of the escalation run."""

from odoo.tools import SQL


def bulk_update(env, model_name, field_names, rows, keep_when_null=(), chunk_size=5000):
    """Write ``rows`` of ``(id, value, ...)`` into stored fields ``field_names`` of ``model_name``.

    A None value of a field named in ``keep_when_null`` leaves that column as it is.

    The escalation run writes its own bookkeeping columns (days overdue,
    bucket, level, reminder dates) on every open due line each day. Through
    ``account.move.line.write()`` each write would re-synchronise the whole
    invoice (taxes, terms, balance), which costs minutes on a large book, so
    this issues ``UPDATE ... FROM (VALUES ...)`` statements instead and then
    drops the cached values. Only use it for plain stored fields that no other
    stored field depends on, or recompute those dependents yourself.
    """
    if not rows:
        return
    model = env[model_name]
    model.flush_model(field_names)
    casts = [SQL.identifier(model._fields[name].column_type[1].lower()) for name in field_names]
    for start in range(0, len(rows), chunk_size):
        chunk = rows[start : start + chunk_size]
        values = SQL(", ").join(
            SQL(
                "(%s, %s)",
                row[0],
                SQL(", ").join(SQL("%s::%s", value, cast) for value, cast in zip(row[1:], casts, strict=True)),
            )
            for row in chunk
        )
        assignments = SQL(", ").join(
            SQL("%s = COALESCE(batch.%s, target.%s)", SQL.identifier(name), SQL.identifier(name), SQL.identifier(name))
            if name in keep_when_null
            else SQL("%s = batch.%s", SQL.identifier(name), SQL.identifier(name))
            for name in field_names
        )
        columns = SQL(", ").join(SQL.identifier(name) for name in ["id", *field_names])
        env.cr.execute(
            SQL(
                "UPDATE %s AS target SET %s FROM (VALUES %s) AS batch(%s) WHERE target.id = batch.id",
                SQL.identifier(model._table),
                assignments,
                values,
                columns,
            )
        )
    model.invalidate_model(field_names)
