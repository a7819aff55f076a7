"""Where the network's municipalities are on the hub's map of Bosnia and Herzegovina.

Coordinates: the municipal seats (town centres), WGS 84, to three decimals (about 100 m); the
same places the energy simulator uses for sunshine. Projected with the numbers written beside the
border outline (bih_outline.py), so points and border agree. A bench whose municipality is not
listed here still appears in the list beside the map, only not on the drawing.
"""
from django.utils.translation import gettext_lazy as _

from hub_server.portal import bih_outline

MUNICIPALITIES = {
    "Sarajevo Centar": (43.859, 18.425), "Mostar": (43.343, 17.808), "Banja Luka": (44.772, 17.191),
    "Tuzla": (44.538, 18.667), "Zenica": (44.203, 17.908), "Bihać": (44.817, 15.870),
    "Trebinje": (42.712, 18.344), "Brčko": (44.872, 18.810), "Bijeljina": (44.757, 19.216),
    "Livno": (43.827, 17.008), "Goražde": (43.667, 18.976), "Prijedor": (44.980, 16.713),
}
# where a name goes beside its dot where the default (right) would collide: (dx, dy, text-anchor)
LABEL_PLACES = {"Bijeljina": (-14, 20, "end"), "Brčko": (-12, -10, "end"), "Goražde": (-14, 5, "end"),
                "Tuzla": (14, 5, "start")}
# A municipality with at most this many benches names each beside the map; one with more shows counts.
MAP_NAMES_BENCHES_UP_TO = 12
# worst first: a municipality's marker shows its least healthy bench
STATES = {"offline": _("not responding"), "alert": _("needs attention"), "ok": _("working"),
          "none": _("no bench yet")}


def project(lat: float, lon: float) -> tuple[float, float]:
    p = bih_outline.PROJECTION
    return (round(p["margin"] + (lon - p["lon0"]) * p["k"] * p["scale"], 1),
            round(p["margin"] + (p["lat0"] - lat) * p["scale"], 1))


def bench_state(row: dict) -> str:
    if not row["up"]:
        return "offline"
    return "alert" if row.get("alerts") else "ok"


def map_points(*, summary: dict, rows: list[dict]) -> dict:
    """Markers per municipality (the twelve of the network and any other with a bench) and the drawing's frame.

    summary: fleet_health.selectors.fleet_summary() (counts per municipality and state); rows: the
    benches to name beside the map (bench_rows of the municipalities with few benches). A municipality
    with more shows its counts instead."""
    named: dict[str, list] = {}
    for row in rows:
        state = bench_state(row)
        reading = row.get("reading")
        named.setdefault(row["bench"].municipality, []).append({
            "id": row["bench"].id, "state": state, "state_label": STATES[state], "last_seen": row["last_seen"],
            "soc": round(reading.soc) if reading is not None and reading.soc is not None else None,
            "alerts": row.get("alerts", [])})
    counts = {name: None for name in MUNICIPALITIES} | summary["municipalities"]
    markers = []
    for name, count in sorted(counts.items()):
        state = next((s for s in ("offline", "alert", "ok") if count and count[s]), "none")
        where = MUNICIPALITIES.get(name)
        x, y = project(*where) if where else (None, None)
        dx, dy, anchor = LABEL_PLACES.get(name, (14, 5, "start"))
        markers.append({"municipality": name, "benches": named.get(name, []), "state": state,
                        "state_label": STATES[state], "counts": count, "x": x, "y": y,
                        "label_dx": dx, "label_dy": dy, "label_anchor": anchor})
    return {"markers": markers, "viewbox": " ".join(map(str, bih_outline.VIEWBOX)), "outline": bih_outline.PATH,
            "legend": [(key, label) for key, label in STATES.items()]}
