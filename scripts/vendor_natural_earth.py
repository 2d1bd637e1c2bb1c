#!/usr/bin/env python3
"""Vendors Natural Earth's countries for the western North Pacific basin into data/samples.

Reads the TopoJSON of the npm package world-atlas (Natural Earth 4.1.0, public domain; the package
is ISC) and writes GeoJSON (RFC 7946: WGS-84 longitude/latitude, exterior rings counter-clockwise)
with each country's polygons clipped to the basin's bounding box (Sutherland-Hodgman against the
rectangle: a ring stays closed; where a concave coast meets the box edge, the ring runs along the
edge), its name and ISO 3166-1 numeric code. Coordinates rounded to 1e-3 degrees (~100 m).

  npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
  scripts/vendor_natural_earth.py package/countries-10m.json data/samples/regions/natural_earth/countries_10m_basin.geojson

No network, no dependency beyond Python 3. Run once by hand; the output is committed with its
provenance (data/samples/regions/natural_earth/PROVENANCE.md).
"""
import json
import sys

BBOX = (95.0, -5.0, 165.0, 50.0)  # west, south, east, north (degrees): the basin and its coasts
DIGITS = 3  # 1e-3 degrees, ~100 m


def decode_arcs(topo):
    sx, sy = topo["transform"]["scale"]
    tx, ty = topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((round(x * sx + tx, DIGITS), round(y * sy + ty, DIGITS)))
        arcs.append(points)
    return arcs


def ring_of(indexes, arcs):
    ring = []
    for i in indexes:
        part = arcs[i] if i >= 0 else list(reversed(arcs[~i]))
        ring.extend(part if not ring else part[1:])
    if ring and ring[0] != ring[-1]:
        ring.append(ring[0])
    return ring


def signed_area(ring):
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:])) / 2.0


def oriented(rings):
    """RFC 7946 section 3.1.6: exterior counter-clockwise, holes clockwise."""
    out = []
    for k, ring in enumerate(rings):
        ccw = signed_area(ring) > 0
        if (k == 0) != ccw:
            ring = list(reversed(ring))
        out.append([list(p) for p in ring])
    return out


def clip(ring):
    """The ring clipped to BBOX (Sutherland-Hodgman), closed; [] when nothing is left."""
    w, s, e, n = BBOX
    edges = [(lambda p: p[0] >= w, lambda a, b: (w, a[1] + (b[1] - a[1]) * (w - a[0]) / (b[0] - a[0]))),
             (lambda p: p[0] <= e, lambda a, b: (e, a[1] + (b[1] - a[1]) * (e - a[0]) / (b[0] - a[0]))),
             (lambda p: p[1] >= s, lambda a, b: (a[0] + (b[0] - a[0]) * (s - a[1]) / (b[1] - a[1]), s)),
             (lambda p: p[1] <= n, lambda a, b: (a[0] + (b[0] - a[0]) * (n - a[1]) / (b[1] - a[1]), n))]
    points = ring[:-1]
    for inside, cross in edges:
        if not points:
            return []
        out = []
        for k, cur in enumerate(points):
            prev = points[k - 1]
            if inside(cur):
                if not inside(prev):
                    out.append(cross(prev, cur))
                out.append(cur)
            elif inside(prev):
                out.append(cross(prev, cur))
        points = out
    points = [(round(x, DIGITS), round(y, DIGITS)) for x, y in points]
    dedup = [p for k, p in enumerate(points) if k == 0 or p != points[k - 1]]
    if len(dedup) < 3 or abs(signed_area(dedup + dedup[:1])) < 1e-6:
        return []
    return dedup + dedup[:1]


def touches(polygons):
    w, s, e, n = BBOX
    return any(w <= x <= e and s <= y <= n for poly in polygons for ring in poly[:1] for x, y in ring)


def main(src, dst):
    topo = json.load(open(src, encoding="utf-8"))
    arcs = decode_arcs(topo)
    features = []
    for g in topo["objects"]["countries"]["geometries"]:
        if g.get("type") == "Polygon":
            polys = [g["arcs"]]
        elif g.get("type") == "MultiPolygon":
            polys = g["arcs"]
        else:
            continue
        rings = []
        for poly in polys:
            clipped = [clip(ring_of(r, arcs)) for r in poly]
            if clipped and clipped[0]:  # the exterior survives: keep it and its surviving holes
                rings.append([clipped[0]] + [h for h in clipped[1:] if h])
        if not rings or not touches(rings):
            continue
        coords = [oriented(poly) for poly in rings]
        features.append({
            "type": "Feature",
            "properties": {"name": g.get("properties", {}).get("name", ""), "iso_n3": str(g.get("id", ""))},
            "geometry": {"type": "MultiPolygon", "coordinates": coords},
        })
    features.sort(key=lambda f: f["properties"]["name"])
    doc = {"type": "FeatureCollection", "name": "natural_earth_countries_10m_basin", "features": features}
    with open(dst, "w", encoding="utf-8") as out:
        json.dump(doc, out, ensure_ascii=False, separators=(",", ":"))
    print(f"{dst}: {len(features)} countries", file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
