// map.mjs decodes ECharts 4.9.0's map data (map/json) to RFC 7946 GeoJSON
// for the demo base map. ECharts' rings break the RFC in four ways: they
// are not closed, some have fewer than four positions once closed, their
// winding is random, and a city's islands are written as more rings of
// one polygon, which GeoJSON reads as holes lying outside their exterior.
// polygons() rebuilds each feature's rings into valid Polygons or
// MultiPolygons: rings closed, degenerate rings dropped, exteriors
// counterclockwise and holes clockwise (the right-hand rule), and every
// ring that lies outside the others a polygon of its own.

// decodeRing decodes one ring of ECharts' compressed format (zigzag,
// delta-coded characters, 1/scale degree) and simplifies it.
function decodeRing(s, offset, scale) {
  const ring = [];
  let px = offset[0], py = offset[1];
  for (let i = 0; i < s.length; i += 2) {
    let x = s.charCodeAt(i) - 64, y = s.charCodeAt(i + 1) - 64;
    x = (x >> 1) ^ -(x & 1);
    y = (y >> 1) ^ -(y & 1);
    px += x; py += y;
    ring.push([+(px / scale).toFixed(3), +(py / scale).toFixed(3)]);
  }
  return simplify(close(ring), tolerance);
}

// close drops repeated positions and ends the ring where it starts.
export function close(ring) {
  const out = [];
  for (const p of ring) {
    const q = out[out.length - 1];
    if (!q || q[0] !== p[0] || q[1] !== p[1]) out.push(p);
  }
  while (out.length > 1 && same(out[0], out[out.length - 1])) out.pop();
  if (out.length) out.push(out[0]);
  return out;
}

const same = (a, b) => a[0] === b[0] && a[1] === b[1];

// simplify drops the points of a closed ring that lie within tol degrees
// of the line through their neighbours (Douglas-Peucker): the data is
// drawn at province scale, where 0.002 degrees (about 200 m) is below a
// pixel, and the file shrinks several times. A ring that would lose its
// area is kept as it is.
const tolerance = 0.002;
function simplify(ring, tol) {
  if (ring.length <= 5) return ring;
  const keep = new Uint8Array(ring.length);
  keep[0] = keep[ring.length - 1] = 1;
  // A closed ring's ends are one point: split it at its farthest point.
  let far = 1, dmax = -1;
  for (let i = 1; i < ring.length - 1; i++) {
    const d = Math.hypot(ring[i][0] - ring[0][0], ring[i][1] - ring[0][1]);
    if (d > dmax) { dmax = d; far = i; }
  }
  keep[far] = 1;
  const stack = [[0, far], [far, ring.length - 1]];
  while (stack.length) {
    const [a, b] = stack.pop();
    let far = -1, dmax = tol;
    const [ax, ay] = ring[a], [bx, by] = ring[b];
    const dx = bx - ax, dy = by - ay, len = Math.hypot(dx, dy);
    for (let i = a + 1; i < b; i++) {
      const [x, y] = ring[i];
      const d = len === 0 ? Math.hypot(x - ax, y - ay) : Math.abs(dy * x - dx * y + bx * ay - by * ax) / len;
      if (d > dmax) { dmax = d; far = i; }
    }
    if (far >= 0) { keep[far] = 1; stack.push([a, far], [far, b]); }
  }
  const out = ring.filter((_, i) => keep[i]);
  return out.length >= 4 && area(out) !== 0 ? out : ring;
}

// area is a ring's signed area in square degrees (shoelace): positive
// when it runs counterclockwise.
export function area(ring) {
  let s = 0;
  for (let i = 0; i + 1 < ring.length; i++) s += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1];
  return s / 2;
}

// inside reports whether p lies inside ring (even-odd rule).
function inside(p, ring) {
  let in_ = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i], [xj, yj] = ring[j];
    if ((yi > p[1]) !== (yj > p[1]) && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) in_ = !in_;
  }
  return in_;
}

// within reports whether ring a lies inside ring b: every position of a
// is inside b or on a position of b.
function within(a, b) {
  const on = new Set(b.map((p) => p.join()));
  return a.every((p) => on.has(p.join()) || inside(p, b));
}

const orient = (ring, ccw) => ((area(ring) > 0) === ccw ? ring : ring.slice().reverse());

// polygons builds a valid geometry from a feature's rings, in any order
// and winding: each ring inside an outer ring (and not inside one of its
// holes) is a hole of it, and each other ring is the exterior of a
// polygon of its own. It returns a Polygon, a MultiPolygon, or null when
// no ring has an area.
export function polygons(rings) {
  rings = rings.map(close).filter((r) => r.length >= 4 && area(r) !== 0);
  // The largest first: a ring can lie only inside a larger one.
  rings.sort((a, b) => Math.abs(area(b)) - Math.abs(area(a)));
  const polys = []; // [exterior, ...holes]
  for (const r of rings) {
    // The smallest outer ring that holds r; a ring inside one of its
    // holes is an island in a lake, a polygon of its own.
    let home = null;
    for (const p of polys) {
      if (within(r, p[0]) && !p.slice(1).some((h) => within(r, h))) home = p;
    }
    if (home) home.push(orient(r, false));
    else polys.push([orient(r, true)]);
  }
  if (polys.length === 0) return null;
  return polys.length === 1 ? { type: 'Polygon', coordinates: polys[0] } : { type: 'MultiPolygon', coordinates: polys };
}

// decodeECharts turns one of ECharts' map files into a FeatureCollection
// of valid Polygons and MultiPolygons; a feature without area is left out.
export function decodeECharts(json) {
  const scale = json.UTF8Scale ?? 1024;
  const features = [];
  for (const f of json.features) {
    const g = f.geometry;
    if (!g || !g.coordinates?.length) continue;
    let parts = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
    if (json.UTF8Encoding) {
      const offsets = g.type === 'Polygon' ? [g.encodeOffsets] : g.encodeOffsets;
      parts = parts.map((p, i) => p.map((r, j) => decodeRing(r, offsets[i][j], scale)));
    }
    const geometry = polygons(parts.flat());
    if (!geometry) continue;
    features.push({
      type: 'Feature',
      id: Number(f.id ?? f.properties?.id) || undefined,
      properties: { code: String(f.id ?? f.properties?.id ?? ''), name: f.properties?.name ?? '' },
      geometry,
    });
  }
  return { type: 'FeatureCollection', features };
}
