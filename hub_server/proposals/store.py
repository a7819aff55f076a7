"""The ingest's hot path: a new proposal and its delivery in two statements.

The ORM's get_or_create takes a SELECT, a savepoint and an INSERT, and a delivery took an EXISTS and
an INSERT; at a hundred proposals a second that is most of the ingest's time (docs/scaling.md).
INSERT ... ON CONFLICT DO NOTHING RETURNING (SQLite 3.35+, PostgreSQL) does each in one statement
and says whether the row is new. Values go through each field's own conversion, as the ORM's would.
The ingest's batches use the multi-row forms at the end (insert_values): two statements a batch, their
rows built as values without model instances.
"""
from django.db import DEFAULT_DB_ALIAS, connection, connections

from hub_server.fleet.models import Delivery
from hub_server.proposals.models import ErasedProposal, Proposal


def insert_new(obj, *, computed: dict | None = None, returning: str, returning_params=()) -> tuple | None:
    """INSERT obj unless a row has its primary key; returns the RETURNING row, or None when one had.

    computed: {field name: (sql, params)} for values the database works out in the same statement."""
    computed = computed or {}
    meta, quote = type(obj)._meta, connection.ops.quote_name
    columns, values, params = [], [], []
    for field in meta.concrete_fields:
        columns.append(quote(field.column))
        if field.name in computed:
            sql, more = computed[field.name]
            values.append(sql)
            params += more
        else:
            values.append("%s")
            params.append(field.get_db_prep_save(field.pre_save(obj, True), connection))
    sql = (f"INSERT INTO {quote(meta.db_table)} ({', '.join(columns)}) VALUES ({', '.join(values)}) "
           f"ON CONFLICT ({quote(meta.pk.column)}) DO NOTHING RETURNING {returning}")
    with connection.cursor() as cursor:
        cursor.execute(sql, params + list(returning_params))
        row = cursor.fetchone()
    if row is not None:
        obj._state.adding, obj._state.db = False, connection.alias
    return row


def proposal_insert(proposal: Proposal) -> str:
    """"new", "copy" (the id is stored) or "erased" (inserted, but the id is an erased idea's: the
    caller removes it again; an erased id is rare, so it costs no statement of its own)."""
    quote = connection.ops.quote_name
    row = insert_new(proposal, returning=f"{quote('id')}, EXISTS(SELECT 1 FROM {quote(ErasedProposal._meta.db_table)} "
                                         f"WHERE {quote('id')} = %s)", returning_params=[proposal.pk])
    if row is None:
        return "copy"
    return "erased" if row[1] else "new"


def delivery_insert(delivery: Delivery) -> bool:
    """Store how the proposal came; True when the bench had already sent a later one (out of order),
    which the database works out in the same statement."""
    quote = connection.ops.quote_name
    later = (f"EXISTS(SELECT 1 FROM {quote(Delivery._meta.db_table)} WHERE {quote('bench_id')} = %s AND "
             f"({quote('boot')} > %s OR ({quote('boot')} = %s AND {quote('n')} > %s)))")
    row = insert_new(delivery, computed={"out_of_order": (later, [delivery.bench_id, delivery.boot, delivery.boot,
                                                                   delivery.n])},
                     returning=quote("out_of_order"))
    delivery.out_of_order = bool(row and row[0])
    return delivery.out_of_order


# -- a batch: one statement per table -------------------------------------------------------------
# Values a field's own conversion (get_db_prep_save) hands the driver unchanged, by the field's internal type:
# a str for a text column, an int for an integer one, a bool for a boolean; None for any of these or a date.
_AS_IS = {"CharField": str, "TextField": str, "BooleanField": bool, "IntegerField": int,
          "PositiveIntegerField": int, "BigIntegerField": int, "SmallIntegerField": int,
          "PositiveSmallIntegerField": int, "PositiveBigIntegerField": int, "DateTimeField": None.__class__,
          "DateField": None.__class__}
_columns = {}  # model -> (fields, {name and attname: position}, [type passed as it is, per field])


def _model_columns(model):
    if model not in _columns:
        fields = model._meta.concrete_fields
        position = {}
        for i, f in enumerate(fields):
            position[f.name] = position[f.attname] = i
        kinds = [_AS_IS.get((f.target_field if f.is_relation else f).get_internal_type()) for f in fields]
        _columns[model] = fields, position, kinds
    return _columns[model]


def insert_values(model, rows: list[dict], now, *, computed=None, returning: str) -> list[tuple]:
    """insert_new for many rows of one model in ONE multi-row statement, without model instances (the
    RETURNING rows of those inserted, in no promised order: return the primary key; none for a row whose
    key was taken). A batch (at most 64 proposals of 22 columns) stays far below SQLite's 32,766
    parameters (3.32+; RETURNING needs 3.35 anyway) and PostgreSQL's 65,535.

    rows are {field name (or attname): Python value}; a field a row
    does not name gets what a new instance would save (its default; now for auto_now and auto_now_add).
    Every value goes through its field's own conversion, as the ORM's would, except those that
    conversion returns unchanged (a str for a text column, an int for an integer one, a bool, None),
    which are passed as they are: building a model instance and converting each of its fields was
    about a third of storing a batch (profiled: docs/scaling.md).

    computed: (field name, function of the row giving (sql, params)) for a value the database works out.
    ON CONFLICT on the primary key DO NOTHING; returns the RETURNING rows of those inserted."""
    if not rows:
        return []
    db = connections[DEFAULT_DB_ALIAS]
    fields, position, kinds = _model_columns(model)
    quote = db.ops.quote_name
    template, fresh = [], []  # fresh: fields whose default is a callable, called for each row as for each instance
    for i, f in enumerate(fields):
        value = now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) else f.get_default()
        template.append(f.get_db_prep_save(value, db))
        if f.has_default() and callable(f.default):
            fresh.append(i)
    marks = ["%s"] * len(fields)
    at = None
    if computed:
        at = position[computed[0]]
    params, statements = [], []
    for row in rows:
        values = template.copy()
        for i in fresh:
            values[i] = fields[i].get_db_prep_save(fields[i].get_default(), db)
        for name, value in row.items():
            i = position[name]
            kind = kinds[i]
            values[i] = value if kind is not None and (type(value) is kind or value is None) else \
                fields[i].get_db_prep_save(value, db)
        if at is not None:
            sql, more = computed[1](row)
            marks[at] = sql
            statements.append(f"({', '.join(marks)})")
            params += values[:at]
            params += more
            params += values[at + 1:]
        else:
            params += values
    values_sql = ", ".join(statements) if at is not None else ", ".join([f"({', '.join(marks)})"] * len(rows))
    sql = (f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) VALUES "
           f"{values_sql} ON CONFLICT ({quote(model._meta.pk.column)}) DO NOTHING RETURNING {returning}")
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def proposals_insert(proposals: list[dict], now) -> dict[str, bool]:
    """proposal_insert for a batch of distinct ids (rows for insert_values): {id: whether it is an erased
    idea's} for each one inserted; an id already stored is not in it (a copy)."""
    quote = connection.ops.quote_name
    table, erased = quote(Proposal._meta.db_table), quote(ErasedProposal._meta.db_table)
    rows = insert_values(Proposal, proposals, now, returning=f"{quote('id')}, EXISTS(SELECT 1 FROM {erased} AS e "
                                                              f"WHERE e.{quote('id')} = {table}.{quote('id')})")
    return {pid: bool(was_erased) for pid, was_erased in rows}


def deliveries_insert(deliveries: list[dict], earlier_later: set, now) -> set:
    """delivery_insert for a batch of new proposals' deliveries (rows for insert_values); returns the
    proposal ids of those that came after a later one of their bench. earlier_later: the ids the caller
    found out of order against the batch's own earlier deliveries (a statement's subquery need not see rows
    the same statement inserted; PostgreSQL's does not)."""
    quote = connection.ops.quote_name
    later = (f"(EXISTS(SELECT 1 FROM {quote(Delivery._meta.db_table)} WHERE {quote('bench_id')} = %s AND "
             f"({quote('boot')} > %s OR ({quote('boot')} = %s AND {quote('n')} > %s))) OR %s)")

    def out_of_order(d):
        return later, [d["bench_id"], d["boot"], d["boot"], d["n"], d["proposal_id"] in earlier_later]

    rows = insert_values(Delivery, deliveries, now, computed=("out_of_order", out_of_order),
                         returning=f"{quote('proposal_id')}, {quote('out_of_order')}")
    return {pid for pid, flag in rows if flag}
