"""Write hub_server/portal/bih_outline.py: Bosnia and Herzegovina's border as one SVG path.

Source: Natural Earth 1:10m Admin 0 countries (public domain), as TopoJSON in the npm package
`world-atlas` 2.0.2 (ISC). Run once by hand when the outline should change:
    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    .venv/bin/python scripts/make_bih_outline.py package/countries-10m.json
The projection (equirectangular, scaled by cos 44°) is written beside the path so that the hub
places municipalities with the same numbers (hub_server/portal/geo.py).
"""
import json
import math
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "hub_server" / "portal" / "bih_outline.py"
WIDTH = 600.0  # SVG user units across the country's bounding box
MARGIN = 10.0
TOLERANCE = 0.6  # Douglas-Peucker tolerance in SVG units (about 0.5 km)


def decode_arc(arc, transform):
    x = y = 0
    points = []
    for dx, dy in arc:
        x += dx
        y += dy
        points.append((x * transform["scale"][0] + transform["translate"][0],
                       y * transform["scale"][1] + transform["translate"][1]))
    return points


def ring(arc_ids, arcs, transform):
    points = []
    for index in arc_ids:
        arc = decode_arc(arcs[~index if index < 0 else index], transform)
        if index < 0:
            arc.reverse()
        points.extend(arc[1:] if points else arc)
    return points


def simplify(points, tolerance):
    if len(points) < 3:
        return points
    (x1, y1), (x2, y2) = points[0], points[-1]
    length = math.hypot(x2 - x1, y2 - y1) or 1e-9
    worst, worst_i = 0.0, 0
    for i in range(1, len(points) - 1):
        x0, y0 = points[i]
        d = abs((y2 - y1) * x0 - (x2 - x1) * y0 + x2 * y1 - y2 * x1) / length
        if d > worst:
            worst, worst_i = d, i
    if worst <= tolerance:
        return [points[0], points[-1]]
    return simplify(points[:worst_i + 1], tolerance)[:-1] + simplify(points[worst_i:], tolerance)


def main(path):
    topo = json.loads(Path(path).read_text())
    country = next(g for g in topo["objects"]["countries"]["geometries"] if g.get("id") == "070")
    polygons = country["arcs"] if country["type"] == "MultiPolygon" else [country["arcs"]]
    rings = [ring(r, topo["arcs"], topo["transform"]) for polygon in polygons for r in polygon]
    lons = [p[0] for r in rings for p in r]
    lats = [p[1] for r in rings for p in r]
    k = math.cos(math.radians(44.0))
    scale = (WIDTH - 2 * MARGIN) / ((max(lons) - min(lons)) * k)
    height = (max(lats) - min(lats)) * scale + 2 * MARGIN
    projection = {"lon0": min(lons), "lat0": max(lats), "k": k, "scale": scale, "margin": MARGIN}

    def project(lon, lat):
        return (MARGIN + (lon - projection["lon0"]) * k * scale, MARGIN + (projection["lat0"] - lat) * scale)

    parts = []
    for r in rings:
        pts = [project(*p) for p in r]
        far = max(range(len(pts)), key=lambda i: math.dist(pts[0], pts[i]))  # a closed ring: simplify two halves
        pts = simplify(pts[:far + 1], TOLERANCE)[:-1] + simplify(pts[far:], TOLERANCE)
        parts.append("M" + " ".join(f"{x:.1f},{y:.1f}" for x, y in pts) + "Z")
    OUT.write_text(
        '"""Bosnia and Herzegovina\'s border for the hub\'s map: written by scripts/make_bih_outline.py.\n\n'
        "From Natural Earth 1:10m Admin 0 countries (public domain, naturalearthdata.com) via the\n"
        "world-atlas 2.0.2 TopoJSON (ISC), simplified to about half a kilometre. Do not edit by hand.\n"
        '"""\n'
        f"VIEWBOX = (0, 0, {WIDTH:.0f}, {height:.0f})\n"
        f"PROJECTION = {projection!r}\n"
        f"PATH = {''.join(parts)!r}\n")
    print(f"{OUT}: {sum(len(p) for p in parts)} characters, {len(rings)} ring(s)")


if __name__ == "__main__":
    main(sys.argv[1])
