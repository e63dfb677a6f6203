// build.mjs builds the pages into dist/, which the Go binary embeds: one
// minified bundle per page, MapLibre's worker beside the screen's bundle,
// the offline base map decoded from ECharts' map data, and a gzip copy of
// every file worth compressing. Run by `make build` (npm run build).
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { decodeECharts } from './map.mjs';

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

// The base map: ECharts 4.9.0's China (provinces) and its cities, decoded
// to valid RFC 7946 GeoJSON once here (map.mjs) so that the browser reads
// plain GeoJSON.
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
