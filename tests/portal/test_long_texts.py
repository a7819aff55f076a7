"""A citizen writing in any script gets the whole description the form allows, stored exactly."""
import pytest

from benchcore.forms import LIMITS
from simulators.stack import post_form
from tests.support import wait_for

pytestmark = pytest.mark.micropython


def test_descriptions_at_the_limit_in_cyrillic_and_three_byte_characters_reach_the_hub(stack):
    bench = stack.add_bench("bijeljina-1", "Bijeljina")
    # full length in Cyrillic and in Latin with diacritics; quotes and "€" (3 bytes each) in a shorter one
    texts = ["љ" * LIMITS["body"], ("Ђурђевак „č“ " * 100)[:LIMITS["body"]], "€„“" * 100]
    accepted = []
    for n, text in enumerate(texts):
        code, page = post_form(bench.portal_url + "/proposals",
                               {"title": "Дуги текст %d" % n, "body": text, "category": "social", "lang": "sr-cyrl"})
        # each right after the other, while the uplink sends the one before (docs/simulator.md, Heap)
        assert code == 200, page[:300]
        accepted.append(text)
    stored = wait_for(lambda: len(stack.proposals()) == len(accepted) and stack.proposals(), timeout=60)
    assert sorted(p["body"] for p in stored) == sorted(accepted)
    code, page = post_form(bench.portal_url + "/proposals",
                           {"title": "Предуго", "body": "љ" * (LIMITS["body"] + 1), "category": "social",
                            "lang": "sr-cyrl"})
    assert code == 400 and "предуг" in page.lower(), page[:500]
    assert not any("MemoryError" in line for line in bench.lines)
