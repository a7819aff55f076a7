import pytest

from hub_server.membership.services import api_token_create
from hub_server.proposals import review_services as rs

pytestmark = pytest.mark.django_db


def test_the_openapi_schema_lists_public_and_staff_endpoints(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["info"]["version"] == "1"
    assert {"/api/v1/ideas", "/api/v1/actions", "/api/v1/benches", "/api/v1/staff/queue"} <= set(schema["paths"])


def test_public_reads_show_validated_ideas_only(client, sarajevo_reviewer, new_proposal):
    good, other = new_proposal(title="Česma"), new_proposal(title="Tajno")
    rs.proposal_validate(proposal=good, by=sarajevo_reviewer)
    data = client.get("/api/v1/ideas").json()
    assert data["count"] == 1 and data["items"][0]["title"] == "Česma"
    assert "contact" not in data["items"][0] and "name" not in data["items"][0]
    assert client.get(f"/api/v1/ideas/{other.pk}").status_code == 404
    assert client.get("/api/v1/benches").json()[0]["id"] == "mo-1"


def test_staff_endpoints_need_a_token_and_respect_municipalities(client, sarajevo_reviewer, new_proposal):
    mine, theirs = new_proposal(), new_proposal(bench_id="mo-1")
    assert client.get("/api/v1/staff/queue").status_code == 401
    assert client.get("/api/v1/staff/queue", HTTP_AUTHORIZATION="Bearer hub_wrong").status_code == 401
    auth = {"HTTP_AUTHORIZATION": "Bearer " + api_token_create(user=sarajevo_reviewer, name="t")}
    assert [p["id"] for p in client.get("/api/v1/staff/queue", **auth).json()] == [mine.pk]
    response = client.post(f"/api/v1/staff/proposals/{theirs.pk}/decision", {"decision": "validate"},
                           content_type="application/json", **auth)
    assert response.status_code == 403 and response.json() == {"detail": "You do not review proposals of this municipality."}
    response = client.post(f"/api/v1/staff/proposals/{mine.pk}/decision", {"decision": "decline", "reason": "x"},
                           content_type="application/json", **auth)
    assert response.json() == {"detail": "Unknown decline reason 'x'."}
    response = client.post(f"/api/v1/staff/proposals/{mine.pk}/decision", {"decision": "validate"},
                           content_type="application/json", **auth)
    assert response.status_code == 200 and response.json()["status"] == "validated"
    assert client.get("/api/v1/staff/fleet", **auth).status_code == 403
