import json

import pytest

from benchcore import protocol
from benchcore.config import ConfigError, load_config, parse_config
from benchcore.forms import FormError, parse_urlencoded, validate_proposal


def test_a_missing_config_says_what_to_do(tmp_path):
    with pytest.raises(ConfigError, match="missing: provision the bench"):
        load_config(str(tmp_path / "config.json"))


@pytest.mark.parametrize("text, message", [
    ("{not json", "not valid JSON"),
    ("[]", "must hold a JSON object"),
    ('{"municipality": "Mostar", "mqtt": {"host": "h", "port": 1}}', "'bench_id' is missing"),
    ('{"bench_id": "a/b", "municipality": "M", "mqtt": {"host": "h", "port": 1}}', "only a-z"),
    ('{"bench_id": "a", "municipality": "M", "mqtt": {"host": "h", "port": "1883"}}', "'port' is missing or not a int"),
])
def test_a_malformed_config_names_the_problem(text, message):
    with pytest.raises(ConfigError, match=message):
        parse_config(text)


def test_form_fields_are_decoded_as_strict_utf8():
    body = "title=Park+za+djecu&body=%C4%8Ci%C5%A1%C4%87enje+%D1%99%D1%9A%D1%9F&category=environment".encode()
    assert parse_urlencoded(body) == {"title": "Park za djecu", "body": "Čišćenje љњџ", "category": "environment"}


@pytest.mark.parametrize("body", [b"title=%C4", b"title=%ZZ", b"title=%4", b"title=\xff\xfe"])
def test_broken_encodings_are_refused(body):
    with pytest.raises(FormError) as err:
        parse_urlencoded(body)
    assert err.value.reason == "bad_encoding"


def valid(**over):
    fields = {"title": "Klupa", "body": "Više klupa u parku", "category": "infrastructure"}
    fields.update(over)
    return fields


@pytest.mark.parametrize("fields, reason, field", [
    (valid(title="  "), "required", "title"),
    (valid(body="x" * 2001), "too_long", "body"),
    (valid(category="weather"), "bad_category", "category"),
    (valid(contact="061 123 456"), "consent_needed", "consent"),
])
def test_invalid_proposals_get_a_reason(fields, reason, field):
    with pytest.raises(FormError) as err:
        validate_proposal(fields)
    assert (err.value.reason, err.value.field) == (reason, field)


def test_contact_is_kept_with_consent_and_control_characters_are_dropped():
    clean = validate_proposal(valid(title="A\x00B\r\nC", contact="ana@example.org", consent="on"))
    assert clean["title"] == "AB\nC" and clean["contact"] == "ana@example.org" and clean["consent"] is True


def test_a_proposal_message_is_json_with_raw_utf8():
    msg = protocol.encode_proposal("sa-1", "0123456789abcdef",
                                   {"title": 'Č"<', "body": "љ\n", "category": "other"}, None, 5)
    assert "Č".encode() in msg
    decoded = json.loads(msg)
    assert decoded["title"] == 'Č"<' and decoded["receipt"] == protocol.receipt_code("0123456789abcdef")
    assert decoded["created"] is None


def test_receipts_are_eight_unambiguous_characters():
    code = protocol.receipt_code("ffffffffff000000")
    assert len(code) == 9 and code[4] == "-" and not set(code) & set("ILOU")
