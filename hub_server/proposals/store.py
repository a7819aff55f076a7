"""The ingest's hot path: a new proposal and its delivery in two statements.

The ORM's get_or_create takes a SELECT, a savepoint and an INSERT, and a delivery took an EXISTS and
an INSERT; at a hundred proposals a second that is most of the ingest's time (docs/scaling.md).
INSERT ... ON CONFLICT DO NOTHING RETURNING (SQLite 3.35+, PostgreSQL) does each in one statement
and says whether the row is new. Values go through each field's own conversion, as the ORM's would.
The ingest's batches use the multi-row forms at the end (insert_rows): two statements a batch.
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
def insert_rows(objs, *, computed=None, returning: str) -> list[tuple]:
    """insert_new for many objects of one model in ONE multi-row statement: the RETURNING rows of those
    inserted (in no promised order: return the primary key), none for an object whose key was taken.
    A batch (at most 64 proposals of 22 columns) stays far below SQLite's 32,766 parameters (3.32+;
    RETURNING needs 3.35 anyway) and PostgreSQL's 65,535.

    computed: a function of the object giving {field name: (sql, params)}, as for insert_new."""
    if not objs:
        return []
    # The connection itself, not the proxy: a batch looks it up thousands of times otherwise (profiled).
    db = connections[DEFAULT_DB_ALIAS]
    meta, quote = type(objs[0])._meta, db.ops.quote_name
    fields = meta.concrete_fields
    # A str for a text column is what its field's conversion would hand the driver anyway (to_python
    # returns a str as it is); every other value goes through the field's own conversion.
    text = {f.name for f in fields if f.get_internal_type() in ("CharField", "TextField")}
    rows, params = [], []
    for obj in objs:
        special, values = computed(obj) if computed else {}, []
        for field in fields:
            if field.name in special:
                sql, more = special[field.name]
                values.append(sql)
                params += more
                continue
            values.append("%s")
            value = field.pre_save(obj, True)
            params.append(value if field.name in text and type(value) is str else field.get_db_prep_save(value, db))
        rows.append(f"({', '.join(values)})")
    sql = (f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) VALUES "
           f"{', '.join(rows)} ON CONFLICT ({quote(meta.pk.column)}) DO NOTHING RETURNING {returning}")
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    for obj in objs:
        obj._state.db = db.alias
    return found


def proposals_insert(proposals) -> dict[str, bool]:
    """proposal_insert for a batch of distinct ids: {id: whether it is an erased idea's} for each one
    inserted; an id already stored is not in it (a copy)."""
    quote = connection.ops.quote_name
    table, erased = quote(Proposal._meta.db_table), quote(ErasedProposal._meta.db_table)
    rows = insert_rows(proposals, returning=f"{quote('id')}, EXISTS(SELECT 1 FROM {erased} AS e "
                                            f"WHERE e.{quote('id')} = {table}.{quote('id')})")
    return {pid: bool(was_erased) for pid, was_erased in rows}


def deliveries_insert(deliveries, earlier_later: set) -> set:
    """delivery_insert for a batch of new proposals' deliveries; returns the proposal ids of those that
    came after a later one of their bench. earlier_later: the ids the caller found out of order against
    the batch's own earlier deliveries (a statement's subquery need not see rows the same statement
    inserted; PostgreSQL's does not)."""
    quote = connection.ops.quote_name
    later = (f"(EXISTS(SELECT 1 FROM {quote(Delivery._meta.db_table)} WHERE {quote('bench_id')} = %s AND "
             f"({quote('boot')} > %s OR ({quote('boot')} = %s AND {quote('n')} > %s))) OR %s)")

    def out_of_order(d):
        return {"out_of_order": (later, [d.bench_id, d.boot, d.boot, d.n, d.proposal_id in earlier_later])}

    rows = insert_rows(deliveries, computed=out_of_order, returning=f"{quote('proposal_id')}, {quote('out_of_order')}")
    return {pid for pid, flag in rows if flag}
