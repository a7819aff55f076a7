"""The bodies of the hub's messages to a bench, in benchcore.contract's vocabulary. Pure functions:
the ingest, the downlink worker, bench-cmd and the golden vectors (tests/vectors) all use these."""
import json

from benchcore import contract


def encode(msg: dict) -> bytes:
    return json.dumps(msg, ensure_ascii=False, separators=(",", ":")).encode()


def ack_message(*, ids: list, now: int, boot) -> dict:
    """Names the proposals the hub has committed; now: the hub's clock (sets the bench's), boot:
    the boot the bench said it sent them in (it trusts now only for its current boot)."""
    return {"ids": ids, contract.now: now, contract.boot: boot}


def cmd_message(*, n: int, command: str, **args) -> dict:
    return {contract.n: n, "cmd": command, **args}


def config_message(*, version: int, settings: dict) -> dict:
    return {contract.version: version, "settings": settings}


def digest_message(*, version: int, digest: dict) -> dict:
    return {contract.version: version, **digest}


def settings_problem(settings) -> str | None:
    """Why settings cannot go to a bench (None: they can)."""
    try:
        contract.check(settings, contract.SPECS[contract.settings])
    except ValueError as exc:
        return str(exc)
    return None
