"""Simulated phones for the portal: each from its own loopback address, as on the bench's Wi-Fi."""
import threading
import time
import urllib.parse

from tests.portal.conftest import Phone

IDEA = {"title": "Klupa u hladu", "body": "Молимо још клупа и дрвећа у парку. <b>hvala</b> & ćao", "category": "environment"}


def phone_session(bench, index, results, barrier=None, rounds=1):
    phone = Phone(bench, source="127.0.0.%d" % (100 + index), timeout=30)
    for n in range(rounds):
        if barrier:
            barrier.wait()
        started = time.monotonic()
        status, _, _ = phone.request("GET", "/", headers={"Accept-Encoding": "gzip", "Accept-Language": "bs"})
        fields = dict(IDEA, title="Telefon %d, krug %d" % (index, n))
        body = urllib.parse.urlencode(fields)
        post, _, page = phone.request("POST", "/proposals", body=body,
                                      headers={"Content-Type": "application/x-www-form-urlencoded"})
        text = page.decode("utf-8", "replace")
        receipt = None
        if 'class="code"><strong>' in text:
            i = text.index('class="code"><strong>') + len('class="code"><strong>')
            receipt = text[i:i + 9]
        results.append({"phone": index, "round": n, "form": status, "post": post, "receipt": receipt,
                        "title": fields["title"], "seconds": time.monotonic() - started})


def eight_phones(bench, rounds=3, phones=8):
    results = []
    barrier = threading.Barrier(phones)
    threads = [threading.Thread(target=phone_session, args=(bench, i, results, barrier, rounds)) for i in range(phones)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results
