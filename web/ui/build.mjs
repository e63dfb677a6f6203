// build.mjs builds the pages into dist/, which the Go binary embeds: one
// minified bundle per page, MapLibre's worker beside the screen's bundle,
// the offline base map decoded from ECharts' map data, and a gzip copy of
// every file worth compressing. Run by `make build` (npm run build).
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const out = 'dist';
fs.mkdirSync(out, { recursive: true });
// dist/.gitkeep stays: go:embed needs the folder before the first build.
for (const f of fs.readdirSync(out, { withFileTypes: true })) {
  if (f.name !== '.gitkeep') fs.rmSync(path.join(out, f.name), { recursive: true, force: true });
}
fs.mkdirSync(path.join(out, 'map'), { recursive: true });

await esbuild.build({
  entryPoints: ['src/screen.js', 'src/lead.js', 'src/depot.js'],
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['chrome100', 'firefox100', 'safari15'],
  outdir: out,
  legalComments: 'linked',
  logLevel: 'warning',
});

// MapLibre finds its worker beside the module that imports it.
fs.copyFileSync('node_modules/maplibre-gl/dist/maplibre-gl-worker.mjs', path.join(out, 'maplibre-gl-worker.mjs'));
for (const page of ['screen', 'lead', 'depot']) {
  fs.copyFileSync(`src/${page}.html`, path.join(out, `${page}.html`));
}

// The base map: ECharts 4.9.0's China (provinces) and its cities, in its
// compressed format (zigzag, delta-coded characters, 1/1024 degree), decoded
// to GeoJSON once here so that the browser reads plain GeoJSON.
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
  return simplify(ring, tolerance);
}

// simplify drops the points of a closed ring that lie within tol degrees
// of the line through their neighbours (Douglas-Peucker): the data is
// drawn at province scale, where 0.002 degrees (about 200 m) is below a
// pixel, and the file shrinks several times.
const tolerance = 0.002;
function simplify(ring, tol) {
  if (ring.length <= 4) return ring;
  const keep = new Uint8Array(ring.length);
  keep[0] = keep[ring.length - 1] = 1;
  const stack = [[0, ring.length - 1]];
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
  // A ring needs four positions, first and last equal.
  if (out.length < 4) return ring.length >= 4 ? [ring[0], ring[Math.floor(ring.length / 3)], ring[Math.floor(2 * ring.length / 3)], ring[0]] : ring;
  return out;
}
export function decodeECharts(json) {
  const scale = json.UTF8Scale ?? 1024;
  const features = [];
  for (const f of json.features) {
    const g = f.geometry;
    if (!g || !g.coordinates?.length) continue;
    let coordinates = g.coordinates;
    if (json.UTF8Encoding) {
      coordinates = g.type === 'Polygon'
        ? g.coordinates.map((r, i) => decodeRing(r, g.encodeOffsets[i], scale))
        : g.coordinates.map((p, i) => p.map((r, j) => decodeRing(r, g.encodeOffsets[i][j], scale)));
    }
    features.push({
      type: 'Feature',
      id: Number(f.id ?? f.properties?.id) || undefined,
      properties: { code: String(f.id ?? f.properties?.id ?? ''), name: f.properties?.name ?? '' },
      geometry: { type: g.type, coordinates },
    });
  }
  return { type: 'FeatureCollection', features };
}
const read = (file) => decodeECharts(JSON.parse(fs.readFileSync(`node_modules/echarts/map/json/${file}`, 'utf8')));
fs.writeFileSync(path.join(out, 'map', 'provinces.geojson'), JSON.stringify(read('china.json')));
// Cities, one file per province (the first two digits of GB/T 2260): a
// screen loads only the provinces its depots are in.
const byProvince = {};
for (const f of read('china-cities.json').features) (byProvince[f.properties.code.slice(0, 2)] ||= []).push(f);
for (const [code, features] of Object.entries(byProvince)) {
  fs.writeFileSync(path.join(out, 'map', `cities-${code}.geojson`), JSON.stringify({ type: 'FeatureCollection', features }));
}
fs.writeFileSync(path.join(out, 'map', 'NOTICE'),
  'provinces.geojson and cities-*.geojson are decoded from Apache ECharts 4.9.0 (map/json),\n' +
  'licensed under the Apache License 2.0. They are old, lack the South China Sea islands and\n' +
  'carry no map approval number: a demo default only. Load authoritative boundaries with\n' +
  '--map-boundaries.\n');

// Precompress: the server sends name.gz to clients that accept gzip.
let total = 0;
for (const f of fs.readdirSync(out, { recursive: true })) {
  const p = path.join(out, f);
  if (!fs.statSync(p).isFile() || p.endsWith('.gz')) continue;
  const body = fs.readFileSync(p);
  if (body.length < 1024) continue;
  const gz = zlib.gzipSync(body, { level: 9 });
  if (gz.length < body.length * 0.9) fs.writeFileSync(p + '.gz', gz);
  total += body.length;
}
console.log(`web/ui: built ${path.resolve(out)} (${(total / 1024).toFixed(0)} KiB before gzip)`);
