"""One idea from a simulated bench's form to the hub's database, with the real parts."""
import re
import subprocess
import time

import pytest

from simulators.stack import post_form
from tests.support import wait_for
from benchcore import contract

pytestmark = pytest.mark.micropython

IDEA = {
    "title": "Česma u parku — čćžšđ ČĆŽŠĐ",
    "body": "Љубазно молимо: нова чесма (љњџ ЉЊЏ).\nDrugi red: „navodnici“ & <b>ne HTML</b>",
    "category": "environment",
}


def submit(bench, fields=IDEA):
    status, page = post_form(bench.portal_url + "/proposals", fields)
    assert status == 200, page
    return receipt_on(page)


def receipt_on(page):
    """The receipt code the thank-you page shows (Crockford base32, XXXX-XXXX)."""
    found = re.findall(r"\b[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}\b", page)
    assert len(set(found)) == 1, page
    return found[0]


def test_an_idea_reaches_the_hub_byte_exact_and_leaves_the_outbox(stack):
    bench = stack.add_bench("sa-centar-1", "Sarajevo Centar")
    receipt = submit(bench)
    stored = wait_for(lambda: stack.proposals())
    assert len(stored) == 1
    row = stored[0]
    assert (row["title"], row["body"], row["category"]) == (IDEA["title"], IDEA["body"], IDEA["category"])
    assert row["title"].encode() == IDEA["title"].encode()
    assert (row["bench_id"], row["receipt"], row["status"]) == ("sa-centar-1", receipt, "new")
    wait_for(lambda: bench.status()["outbox"] == 0)
    assert not (bench.flash / "outbox.log").exists()


def test_a_bench_killed_before_the_ack_delivers_its_idea_once_after_restart(stack):
    stack.stop_ingest()
    bench = stack.add_bench("mostar-1", "Mostar")
    receipt = submit(bench)
    assert bench.status()["outbox"] == 1
    bench.kill()  # power cut after the receipt, before any ack
    stack.start_ingest()
    bench = stack.restart_bench("mostar-1")
    rows = wait_for(lambda: stack.proposals())
    wait_for(lambda: bench.status()["outbox"] == 0)
    time.sleep(1.5)  # let any redelivery from the broker's queue land too
    rows = stack.proposals()
    assert [r["receipt"] for r in rows] == [receipt]


def test_the_portal_keeps_storing_while_the_broker_is_down_and_delivers_later(stack):
    bench = stack.add_bench("tuzla-1", "Tuzla")
    stack.stop_broker()
    receipts = {submit(bench, dict(IDEA, title="Ideja %d" % n)) for n in range(3)}
    assert bench.status()["outbox"] == 3
    wait_for(lambda: any("cannot reach broker" in line or "link lost" in line for line in bench.lines))
    stack.start_broker()
    wait_for(lambda: len(stack.proposals()) == 3, timeout=90)
    assert {r["receipt"] for r in stack.proposals()} == receipts
    wait_for(lambda: bench.status()["outbox"] == 0)


def test_a_malformed_ack_is_logged_and_loses_nothing(stack):
    stack.stop_ingest()
    bench = stack.add_bench("zenica-1", "Zenica")
    submit(bench)
    for garbage in (b"not json", b'{"ids": 5}', b'{"ids": ["short"]}', b"\xff\xfe"):
        user, password = stack.hub_login("ingest")  # stopped: this stands in for it
        subprocess.run(["mosquitto_pub", "-p", str(stack.broker_port), "-u", user, "-P", password,
                        "-t", contract.TOPIC_ROOT + "zenica-1/ack", "-q", "1", "-m", garbage.decode("latin-1")], check=True)
    wait_for(lambda: sum("ignored ack message" in line for line in bench.lines) >= 4)
    assert bench.status()["outbox"] == 1
    # Standing in for the ingest took over its broker session, queue included: the proposal now waits
    # for the bench's 20 s resend, or, as here, for its next boot (after a power cut, outbox intact).
    stack.start_ingest()
    stack.wait_ingest_subscribed()
    bench.power_cut().wait_ready()
    wait_for(lambda: bench.status()["outbox"] == 0)
    assert len(stack.proposals()) == 1


BAD_FORMS = [
    (dict(IDEA, title=""), 400, "Ovo polje je obavezno."),
    (dict(IDEA, body="x" * 13000), 413, "Prijedlog je prevelik."),
    (dict(IDEA, body="x" * 1001), 400, "Tekst je predug."),
    (dict(IDEA, category="weather"), 400, "Izaberite oblast s liste."),
    (dict(IDEA, title="<script>alert(1)</script>", contact="x"), 400, "&lt;script&gt;alert(1)&lt;/script&gt;"),
]


def test_bad_forms_get_a_clear_page_and_nothing_is_stored(stack):
    bench = stack.add_bench("bihac-1", "Bihać")
    for fields, status, message in BAD_FORMS:
        code, page = post_form(bench.portal_url + "/proposals", fields)
        assert code == status and message in page, page[:2000]
        assert "<script>alert" not in page
    assert bench.status()["outbox"] == 0 and bench.status()["published"] == 0
    code, page = post_form(bench.portal_url + "/proposals", IDEA, headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert code == 200 and "Thank you! Your proposal is stored." in page and 'lang="en"' in page


def test_a_bench_with_a_broken_config_says_why(tmp_path):
    from simulators.bench import BenchProcess, prepare_flash

    flash = prepare_flash(tmp_path / "flash", None)
    (flash / "config.json").write_text('{"bench_id": "x", "municipality": "M", "mqtt": {"host": "h"}}')
    bench = BenchProcess(flash, echo=None)
    bench.start()
    assert bench.proc.wait(30) == 78
    bench.stop()
    assert any("config error" in line and "'port' is missing" in line for line in bench.lines), bench.lines
