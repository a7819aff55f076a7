"""The ingest's hot path: a new proposal and its delivery in two statements.

The ORM's get_or_create takes a SELECT, a savepoint and an INSERT, and a delivery took an EXISTS and
an INSERT; at a hundred proposals a second that is most of the ingest's time (docs/scaling.md).
INSERT ... ON CONFLICT DO NOTHING RETURNING (SQLite 3.35+, PostgreSQL) does each in one statement
and says whether the row is new. Values go through each field's own conversion, as the ORM's would.
"""
from django.db import connection

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
