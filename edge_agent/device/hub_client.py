"""The hub's provisioning API as `bench provision` uses it (hub_server/api/provisioning.py)."""
import json
import socket
import urllib.error
import urllib.request

from edge_agent.device.transport import DeviceError


class HubError(DeviceError):
    pass


class HubAnswerLost(HubError):
    """The request went out but no answer came back: the hub may or may not have acted on it."""


def _post(hub: str, path: str, token: str, body: dict, timeout: float) -> dict:
    url = hub.rstrip("/") + "/api/v1" + path
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers={
        "Authorization": "Bearer " + token, "Content-Type": "application/json", "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as err:
        try:
            detail = json.loads(err.read()).get("detail", "")
        except ValueError:
            detail = ""
        if err.code == 401:
            raise HubError("token refused by the hub: make a new one on the hub with `hub api-token USERNAME` "
                           "and pass it with --token (or HUB_TOKEN)")
        if err.code == 403:
            raise HubError(f"the hub refused: {detail or 'this token may not register benches'}")
        raise HubError(f"the hub answered {err.code}: {detail or err.reason}")
    except (socket.timeout, TimeoutError) as err:
        raise HubAnswerLost(f"hub unreachable: no answer from {hub} within {timeout:.0f} s ({err})")
    except urllib.error.URLError as err:
        raise HubError(f"hub unreachable at {hub} ({err.reason}): check the laptop's connection (mobile data, "
                       "Wi-Fi) and the --hub address")
    except ValueError as err:
        raise HubError(f"{hub} does not look like the hub's address ({err})")


def request_offer(*, hub: str, token: str, bench_id: str, municipality: str, timeout: float = 20) -> dict:
    return _post(hub, f"/staff/benches/{bench_id}/provision", token, {"municipality": municipality}, timeout)


def confirm_offer(*, hub: str, token: str, bench_id: str, offer: str, timeout: float = 20) -> dict:
    return _post(hub, f"/staff/benches/{bench_id}/provision/confirm", token, {"offer": offer}, timeout)
