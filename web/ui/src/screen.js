// screen.js: the command center's large screen, and the commander's view of
// it: one live map of every incident, team and depot, with side panels;
// a commander clicks an incident to see, adjust and dispatch its plan, and
// clicks the map to record a new incident.
import { Map as MapLibre, addProtocol } from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import { Protocol } from 'pmtiles';
import './screen.css';
import { api, fmtDuration, fmtTime, h, header, Live, login, onLang, t } from './common.js';
import { setupCoverage } from './screen-coverage.js';
import { setupPlan } from './screen-plan.js';
import { regionPrefix, setupRegions } from './screen-region.js';
import { setupReplay } from './screen-replay.js';
import { setupSupport } from './screen-support.js';
import { setupWarnings } from './screen-warnings.js';
import { setupZones } from './screen-zones.js';
import { setupPrepositions } from './screen-preposition.js';

const openIncident = (i) => i.status !== 'closed' && i.status !== 'cancelled';
const openTask = (k) => ['assigned', 'acknowledged', 'en_route', 'on_scene'].includes(k.status);
const levelColor = ['#888', '#e5383b', '#f77f00', '#fcbf49', '#4ea8de'];
const statusColor = {
  available: '#2ec4b6', assigned: '#fcbf49', en_route: '#f77f00', on_scene: '#e5383b',
  returning: '#8ecae6', off_duty: '#6c757d', unavailable: '#495057',
};
const kinds = ['fire_rescue', 'professional', 'social', 'aviation', 'militia', 'medical'];

const state = {
  incidents: new Map(), teams: new Map(), tasks: new Map(), orders: new Map(), depots: new Map(),
  stockItem: localStorage.getItem('dispatchd.stockItem') || '', stock: {},
  selected: null, plan: null, commander: false, placing: null,
};
window.dispatchdState = state; // for the tests and for operators at the console

const s = await login(['admin', 'commander', 'viewer']);
state.commander = s.user.role !== 'viewer';
document.body.classList.toggle('commander', state.commander);

// ---- layout -------------------------------------------------------------

const { bar, badge } = header('appTitle', s);
const panels = {
  incidents: h('section.panel#incidents', {}, h('h2', { 'data-t': 'incidents' }, t('incidents')), h('ol.list')),
  acks: h('section.panel#acks', {}, h('h2', { 'data-t': 'waitingAck' }, t('waitingAck')), h('ol.list')),
  teams: h('section.panel#team-status', {}, h('h2', { 'data-t': 'teamStatus' }, t('teamStatus')), h('div.counts')),
  short: h('section.panel#shortfalls', {}, h('h2', { 'data-t': 'shortfalls' }, t('shortfalls')), h('ol.list')),
  plan: h('section.panel#plan', { hidden: true }),
  regions: h('section.panel#regions'),
  support: h('section.panel#support', { hidden: true }),
  warnings: h('section.panel#warnings-panel', { hidden: true }),
};
const stockPick = h('select#stock-item', {
  onchange: (e) => { state.stockItem = e.target.value; localStorage.setItem('dispatchd.stockItem', state.stockItem); loadStock(); regions.reload(); },
}, h('option', { value: '' }, '—'));
const mapEl = h('div#map');
document.body.append(bar,
  h('main.screen', {},
    h('aside.left', {}, panels.regions, panels.incidents, panels.acks),
    h('div.mapwrap', {}, mapEl,
      h('div.legend', {}, h('label', {}, h('span', { 'data-t': 'stockOf' }, t('stockOf')), stockPick))),
    h('aside.right', {}, panels.plan, panels.warnings, panels.support, panels.teams, panels.short)));

// ---- the map ------------------------------------------------------------

const mapCfg = await api('GET', '/api/v1/map');
addProtocol('pmtiles', new Protocol().tile);
const sources = {}, layers = [];
if (mapCfg.tiles) {
  sources.tiles = { type: 'raster', tiles: [mapCfg.tiles.url], tileSize: 256, attribution: mapCfg.attribution || '' };
  layers.push({ id: 'tiles', type: 'raster', source: 'tiles', paint: { 'raster-brightness-max': 0.6, 'raster-saturation': -0.5 } });
}
const perProvince = mapCfg.boundaries.filter((b) => b.url.includes('{province}'));
function boundaryLayers(b, id) {
  const out = [];
  const common = b.kind === 'pmtiles' ? { 'source-layer': b.layer } : {};
  sources[id] = b.kind === 'pmtiles'
    ? { type: 'vector', url: `pmtiles://${location.origin}${b.url}`, attribution: mapCfg.attribution || '' }
    : { type: 'geojson', data: b.url, attribution: mapCfg.tiles ? '' : mapCfg.attribution || '' };
  const major = b.layer !== 'cities';
  if (!mapCfg.tiles && major) {
    out.push({ id: `${id}-fill`, type: 'fill', source: id, ...common,
      paint: { 'fill-color': '#13233a' } });
  }
  out.push({ id: `${id}-line`, type: 'line', source: id, ...common,
    paint: { 'line-color': major ? '#4f83c2' : '#2d4d73', 'line-width': major ? 1.4 : 0.7 } });
  return out;
}
for (const b of mapCfg.boundaries) {
  if (b.url.includes('{province}')) continue;
  layers.push(...boundaryLayers(b, `b-${b.layer}`));
}
// addProvinceBoundaries loads the per-province files for the provinces the
// depots are in, beneath the live layers.
const provincesShown = new Set();
async function addProvinceBoundaries() {
  await mapReady;
  const codes = new Set([...state.depots.values()].map((d) => String(d.region || '').slice(0, 2)).filter((c) => /^\d\d$/.test(c)));
  for (const code of codes) {
    if (provincesShown.has(code)) continue;
    provincesShown.add(code);
    for (const b of perProvince) {
      const id = `b-${b.layer}-${code}`;
      map.addSource(id, { type: 'geojson', data: b.url.replace('{province}', code) });
      for (const l of boundaryLayers(b, id)) map.addLayer(l, 'depots');
    }
  }
}
const empty = () => ({ type: 'FeatureCollection', features: [] });
Object.assign(sources, {
  depots: { type: 'geojson', data: empty(), promoteId: 'id' },
  teams: { type: 'geojson', data: empty(), promoteId: 'id' },
  incidents: { type: 'geojson', data: empty(), promoteId: 'id' },
  plan: { type: 'geojson', data: empty() },
});
layers.push(
  { id: 'depots', type: 'circle', source: 'depots',
    paint: {
      'circle-radius': ['case', ['has', 'stock'], ['interpolate', ['linear'], ['sqrt', ['get', 'stock']], 0, 2, 100, 14],
        ['match', ['get', 'tier'], 'national', 9, 'provincial', 8, 'municipal', 6, 'county', 4, 3]],
      'circle-color': ['case', ['has', 'stock'], ['case', ['>', ['get', 'stock'], 0], '#a78bfa', '#3a3a4a'], '#7b6fd6'],
      'circle-opacity': 0.8, 'circle-stroke-width': ['match', ['get', 'tier'], ['national', 'provincial', 'municipal'], 1.5, 0],
      'circle-stroke-color': '#e0d7ff',
    } },
  // At province scale a team is a dot coloured by status (5,000 symbols
  // there would cost twice the frame time, at a size where their shapes
  // cannot be told apart); from city scale, a symbol per kind.
  { id: 'teams-dots', type: 'circle', source: 'teams', maxzoom: 8.5,
    paint: { 'circle-radius': ['interpolate', ['linear'], ['zoom'], 5, 2.5, 8.5, 4.5], 'circle-color': ['coalesce', ['get', 'color'], '#2ec4b6'],
      'circle-opacity': ['case', ['get', 'stale'], 0.45, 1] } },
  { id: 'teams', type: 'symbol', source: 'teams', minzoom: 8.5,
    layout: { 'icon-image': ['concat', 'kind-', ['get', 'kind']], 'icon-size': ['interpolate', ['linear'], ['zoom'], 8.5, 0.55, 12, 0.8],
      'icon-allow-overlap': true, 'icon-ignore-placement': true },
    paint: { 'icon-color': ['coalesce', ['get', 'color'], '#2ec4b6'], 'icon-opacity': ['case', ['get', 'stale'], 0.45, 1] } },
  { id: 'plan-lines', type: 'line', source: 'plan', filter: ['==', ['geometry-type'], 'LineString'],
    paint: { 'line-color': ['case', ['get', 'late'], '#e5383b', ['==', ['get', 'kind'], 'depot'], '#a78bfa', '#2ec4b6'],
      'line-width': 2.5, 'line-dasharray': [2, 1] } },
  { id: 'incidents-halo', type: 'circle', source: 'incidents',
    paint: { 'circle-radius': ['match', ['get', 'level'], 1, 22, 2, 18, 3, 15, 12], 'circle-color': ['get', 'color'], 'circle-opacity': 0.25 } },
  { id: 'incidents', type: 'circle', source: 'incidents',
    paint: { 'circle-radius': 7, 'circle-color': ['get', 'color'], 'circle-stroke-width': ['case', ['get', 'selected'], 3, 1.5],
      'circle-stroke-color': '#ffffff' } },
  { id: 'plan-points', type: 'circle', source: 'plan', filter: ['==', ['geometry-type'], 'Point'],
    paint: { 'circle-radius': 5, 'circle-color': '#ffffff', 'circle-stroke-width': 2, 'circle-stroke-color': '#2ec4b6' } },
);

const map = new MapLibre({
  container: mapEl,
  style: { version: 8, sources, layers: [{ id: 'bg', type: 'background', paint: { 'background-color': '#070d16' } }, ...layers] },
  center: [120.2, 29.2], zoom: 6.3, attributionControl: { compact: false }, maxPitch: 0, dragRotate: false,
  // No symbol fades: with thousands of units moving they would repaint
  // the map without end.
  fadeDuration: 0,
});
window.dispatchdMap = map;
addKindIcons(map);
const mapReady = new Promise((resolve) => map.once('load', resolve));
const plan = setupPlan({ state, map, panel: panels.plan, markDirty });
const regions = setupRegions({ state, panel: panels.regions, heading: bar.querySelector('#jurisdiction'), user: s.user, fitRegion });
const support = await setupSupport({ state, panel: panels.support });
const warnings = await setupWarnings({ state, panel: panels.warnings });
const zones = setupZones({ state, map, mapReady, mapwrap: mapEl.parentElement, beneath: 'depots' });
const prepositions = setupPrepositions({ state, map });
const coverage = setupCoverage({ state, map, mapReady, legend: mapEl.parentElement.querySelector('.legend') });

// addKindIcons draws one SDF symbol per team kind, so that the layer can
// colour it by status.
function addKindIcons(m) {
  const size = 32;
  const shapes = {
    fire_rescue: (c) => { c.moveTo(16, 3); c.lineTo(29, 27); c.lineTo(3, 27); c.closePath(); },
    professional: (c) => c.rect(5, 5, 22, 22),
    social: (c) => c.arc(16, 16, 12, 0, Math.PI * 2),
    aviation: (c) => { c.moveTo(16, 2); c.lineTo(30, 16); c.lineTo(16, 30); c.lineTo(2, 16); c.closePath(); },
    militia: (c) => { for (let i = 0; i < 10; i++) { const r = i % 2 ? 6 : 14, a = -Math.PI / 2 + i * Math.PI / 5; c.lineTo(16 + r * Math.cos(a), 16 + r * Math.sin(a)); } c.closePath(); },
    medical: (c) => { c.rect(12, 3, 8, 26); c.rect(3, 12, 26, 8); },
  };
  for (const k of kinds) {
    const cv = document.createElement('canvas');
    cv.width = cv.height = size;
    const c = cv.getContext('2d');
    c.fillStyle = '#fff';
    c.beginPath();
    shapes[k](c);
    c.fill();
    m.addImage(`kind-${k}`, c.getImageData(0, 0, size, size), { sdf: true });
  }
}

// ---- state to map -------------------------------------------------------

function teamFeature(tm) {
  const p = tm.position || tm.base;
  if (!p) return null;
  return { type: 'Feature', id: tm.id, geometry: { type: 'Point', coordinates: [p.lon, p.lat] },
    properties: { id: tm.id, kind: kinds.includes(tm.kind) ? tm.kind : 'social', color: statusColor[tm.status] || '#2ec4b6', stale: !!tm.position_stale } };
}
function depotFeature(d) {
  const props = { id: d.id, tier: d.tier };
  if (state.stockItem) props.stock = state.stock[d.id] || 0;
  return { type: 'Feature', id: d.id, geometry: { type: 'Point', coordinates: [d.location.lon, d.location.lat] }, properties: props };
}
function incidentFeature(i) {
  return { type: 'Feature', id: i.id, geometry: { type: 'Point', coordinates: [i.location.lon, i.location.lat] },
    properties: { id: i.id, level: i.level, color: levelColor[i.level] || '#888', selected: i.id === state.selected } };
}
const collect = (m, f) => ({ type: 'FeatureCollection', features: [...m.values()].map(f).filter(Boolean) });

let dirty = new Set();
function markDirty(...what) { for (const w of what) dirty.add(w); scheduleDraw(); }
let drawPending = false;
function scheduleDraw() {
  if (drawPending) return;
  drawPending = true;
  requestAnimationFrame(async () => {
    drawPending = false;
    await mapReady;
    const d = dirty;
    dirty = new Set();
    if (d.has('teams')) map.getSource('teams').setData(collect(state.teams, teamFeature));
    if (d.has('depots')) map.getSource('depots').setData(collect(state.depots, depotFeature));
    if (d.has('incidents')) {
      const open = new Map([...state.incidents].filter(([, i]) => openIncident(i)));
      map.getSource('incidents').setData(collect(open, incidentFeature));
    }
    if (d.has('plan')) plan.drawPlanLines();
    if (d.has('panels')) renderPanels();
    else if (d.has('plan')) plan.renderPlan();
  });
}

// Positions arrive up to 20 times a second: moved units are batched and
// sent to the map's worker as a diff at most five times a second.
const moved = new Map();
let moveTimer = null;
function onPositions(items) {
  for (const p of items) {
    const tm = state.teams.get(p.team);
    if (!tm) continue;
    tm.position = { lon: p.lon, lat: p.lat };
    tm.position_ts = p.ts;
    if (tm.position_stale) { tm.position_stale = false; markDirty('teams'); }
    moved.set(tm.id, tm);
  }
  if (!moveTimer) moveTimer = setTimeout(flushMoves, 200);
}
async function flushMoves() {
  moveTimer = null;
  await mapReady;
  if (dirty.has('teams') || !moved.size) { moved.clear(); return; }
  const update = [...moved.values()].map((tm) => ({ id: tm.id, newGeometry: { type: 'Point', coordinates: [tm.position.lon, tm.position.lat] } }));
  moved.clear();
  map.getSource('teams').updateData({ update }).catch(() => markDirty('teams'));
  state.positionsDrawn = (state.positionsDrawn || 0) + update.length;
}

// ---- the live feed ------------------------------------------------------

// applySnapshot puts a whole picture in place: the live snapshot's, or the
// state at a moment of the replay's.
function applySnapshot(snap) {
  const put = (m, list) => { m.clear(); for (const x of list || []) m.set(x.id, x); };
  put(state.incidents, snap.incidents);
  put(state.teams, snap.teams);
  put(state.tasks, snap.tasks);
  put(state.orders, snap.orders);
  put(state.depots, snap.depots);
  markDirty('teams', 'depots', 'incidents', 'panels', 'plan');
}

function onSnapshot(snap) {
  applySnapshot(snap);
  state.snapshots = (state.snapshots || 0) + 1;
  if (state.snapshots === 1) fitRegion(state.trail[0]?.code);
  addProvinceBoundaries();
  loadStock();
  loadShortfallsSoon();
}

function onEvent(ev) {
  const [kind, verb] = ev.event.split('.');
  const d = ev.data || {};
  if (kind === 'incident' || kind === 'order' || kind === 'stock') loadShortfallsSoon();
  // The roll-up follows what it counts, at most once every two seconds.
  if (['incident', 'team', 'task', 'support_request'].includes(kind) || (state.stockItem && (kind === 'order' || kind === 'stock'))) regions.refreshSoon();
  if (kind === 'support_request') support.onEvent(ev);
  if (kind.startsWith('warning')) warnings.onEvent(ev);
  if (kind.startsWith('zone')) zones.onEvent(ev);
  prepositions.onEvent(ev);
  coverage.onEvent(ev);
  switch (kind) {
    case 'incident':
      if (verb === 'status') {
        const i = state.incidents.get(d.id);
        if (i) i.status = d.to;
      } else if (d.id) state.incidents.set(d.id, { ...state.incidents.get(d.id), ...d });
      markDirty('incidents', 'panels');
      if (state.selected === d.id && state.commander && openIncident(d)) plan.refreshPlanSoon();
      break;
    case 'task':
      if (d.id) state.tasks.set(d.id, d);
      if (verb === 'escalated' || verb === 'declined' || verb === 'left_scene') flash(d.id);
      markDirty('panels', 'plan');
      if (state.selected === d.incident) plan.refreshPlanSoon();
      break;
    case 'order':
      if (d.id) state.orders.set(d.id, d);
      markDirty('panels');
      if (state.stockItem && d.lines?.some((l) => l.item === state.stockItem)) loadStockSoon();
      if (state.selected === d.incident) plan.refreshPlanSoon();
      break;
    case 'team':
      if (verb === 'status' || verb === 'stale' || verb === 'fresh') {
        const tm = state.teams.get(d.team);
        if (tm) {
          if (verb === 'status') tm.status = d.status;
          else tm.position_stale = verb === 'stale';
        }
      } else if (verb === 'deleted') state.teams.delete(ev.subject);
      else if (d.id) state.teams.set(d.id, { ...state.teams.get(d.id), ...d });
      markDirty('teams', 'panels');
      break;
    case 'depot':
      if (verb === 'deleted') state.depots.delete(ev.subject);
      else if (d.id) state.depots.set(d.id, d);
      markDirty('depots');
      break;
    case 'stock':
      if (state.stockItem) loadStockSoon();
      break;
  }
}

// While replaying, the live feed is not applied; back to live starts from
// a new snapshot.
const replay = setupReplay({ state, map, mapReady, bar, mapwrap: mapEl.parentElement, applySnapshot, applyEvent: onEvent,
  applyPositions: onPositions, toLive: () => { live.since = null; live.reconnect(0); } });
const live = new Live({
  // Support requests and warnings have topics of their own where the
  // server has them.
  topics: ['incidents', 'teams', 'positions', 'tasks', 'orders', 'depots', ...(support.available ? ['support'] : []),
    ...(warnings.available ? ['warnings'] : []), 'zones'],
  onSnapshot: (m) => replay.on || onSnapshot(m), onEvent: (m) => replay.on || onEvent(m),
  onPositions: (m) => replay.on || onPositions(m),
  onStatus: (st, detail) => { badge.update(st, detail); document.body.dataset.conn = st; },
});
window.dispatchdLive = live;
window.dispatchdFit = fitToData;

// fitRegion frames a region's depots, teams and open incidents; with no
// region (the whole deployment), everything shown.
function fitRegion(code) {
  if (!code) { fitToData(); state.fittedRegion = null; return; }
  const p = regionPrefix(code);
  const inRegion = (x) => String(x.region || '').startsWith(p);
  const pts = [...state.depots.values()].filter(inRegion).map((d) => d.location)
    .concat([...state.teams.values()].filter(inRegion).map((x) => x.position || x.base))
    .concat([...state.incidents.values()].filter((i) => inRegion(i) && openIncident(i)).map((i) => i.location))
    .filter(Boolean);
  if (!pts.length) return;
  const lons = pts.map((c) => c.lon), lats = pts.map((c) => c.lat);
  map.fitBounds([[Math.min(...lons), Math.min(...lats)], [Math.max(...lons), Math.max(...lats)]], { padding: 60, maxZoom: 12, duration: 600 });
  state.fittedRegion = code;
}

function fitToData() {
  const pts = [...state.depots.values()].map((d) => d.location).concat([...state.teams.values()].map((x) => x.base).filter(Boolean));
  if (!pts.length) return;
  const lons = pts.map((p) => p.lon).sort((a, b) => a - b), lats = pts.map((p) => p.lat).sort((a, b) => a - b);
  // The 1st to 99th percentile: a stray unit far away does not shrink the province.
  const q = (a, f) => a[Math.min(a.length - 1, Math.floor(a.length * f))];
  map.fitBounds([[q(lons, 0.01), q(lats, 0.01)], [q(lons, 0.99), q(lats, 0.99)]], { padding: 40, animate: false });
}

// ---- stock of a chosen item --------------------------------------------

api('GET', '/api/v1/items?limit=500').then((r) => {
  state.itemNames = Object.fromEntries(r.items.map((it) => [it.code, it.name]));
  for (const it of r.items) stockPick.append(h('option', { value: it.code, selected: it.code === state.stockItem }, `${it.name} (${it.code})`));
}).catch(() => {});
async function loadStock() {
  if (replay.on) return; // the state at the moment brought its stock
  if (!state.stockItem) { state.stock = {}; markDirty('depots'); return; }
  try {
    state.stock = (await api('GET', `/api/v1/stock?item=${encodeURIComponent(state.stockItem)}`)).available;
  } catch { state.stock = {}; }
  markDirty('depots');
}
let stockTimer = null;
function loadStockSoon() { clearTimeout(stockTimer); stockTimer = setTimeout(loadStock, 1000); }

// ---- shortfalls ---------------------------------------------------------

// What no depot can cover, per open incident, from the same suggestions a
// commander sees; refreshed when orders, stock or incidents change.
state.short = {};
async function loadShortfalls() {
  const out = {};
  if (replay.on) { state.short = out; markDirty('panels'); return; } // today's plans say nothing of the past
  for (const i of state.incidents.values()) {
    if (!openIncident(i)) continue;
    try {
      const sug = await api('GET', `/api/v1/incidents/${i.id}/suggestions`);
      out[i.id] = sug.items.filter((x) => x.shortfall > 0);
    } catch { /* closed meanwhile */ }
  }
  state.short = out;
  markDirty('panels');
}
let shortTimer = null;
function loadShortfallsSoon() { clearTimeout(shortTimer); shortTimer = setTimeout(loadShortfalls, 2000); }
setInterval(loadShortfalls, 60000);

// ---- side panels --------------------------------------------------------

function renderPanels() {
  const inc = [...state.incidents.values()].filter(openIncident).sort((a, b) => a.level - b.level || b.reported_at.localeCompare(a.reported_at));
  panels.incidents.querySelector('.list').replaceChildren(...(inc.length ? inc.map((i) => h('li.incident', {
    dataset: { id: i.id, level: i.level }, class: i.id === state.selected ? 'incident selected' : 'incident',
    onclick: () => plan.select(i.id),
  }, h('span.lvl', { style: `background:${levelColor[i.level]}` }, t(`level.${i.level}`)),
  h('span.title', {}, i.title),
  h('span.meta', {}, `${t(`type.${i.type}`)} · ${t(`status.${i.status}`)} · ${fmtTime(i.reported_at)}`))) : [h('li.none', {}, t('noneOpen'))]));

  const waiting = [...state.tasks.values()].filter((k) => k.status === 'assigned').sort((a, b) => a.ack_by.localeCompare(b.ack_by));
  panels.acks.querySelector('.list').replaceChildren(...(waiting.length ? waiting.map((k) => h('li.task', {
    dataset: { id: k.id, status: k.status }, class: k.escalated ? 'task escalated' : 'task',
  }, h('span.title', {}, k.team_name || k.team),
  h('span.countdown', { dataset: { ackBy: k.ack_by } }, ''),
  h('span.meta', {}, `${state.incidents.get(k.incident)?.title || ''}${k.escalated ? ` · ${t('escalated')}` : ''}`))) : [h('li.none', {}, t('noneOpen'))]));
  tickCountdowns();

  const counts = {};
  for (const tm of state.teams.values()) counts[tm.status] = (counts[tm.status] || 0) + 1;
  panels.teams.querySelector('.counts').replaceChildren(...Object.keys(statusColor).map((st) => h('div.count', { dataset: { status: st } },
    h('span.n', { style: `color:${statusColor[st]}` }, String(counts[st] || 0)), h('span.l', {}, t(`status.${st}`)))));

  const shorts = [];
  for (const i of inc) for (const need of state.short?.[i.id] || []) shorts.push(h('li.short', {}, h('span.title', {}, `${need.name || need.item}`),
    h('span.n', {}, `${need.shortfall} ${need.unit || ''}`), h('span.meta', {}, i.title)));
  panels.short.querySelector('.list').replaceChildren(...(shorts.length ? shorts : [h('li.none', {}, t('noneOpen'))]));
  plan.renderPlan();
}
onLang(() => markDirty('panels'));

function tickCountdowns() {
  const now = replay.on ? replay.at : Date.now();
  for (const el of document.querySelectorAll('.countdown')) {
    const left = (new Date(el.dataset.ackBy) - now) / 1000;
    el.textContent = left >= 0 ? fmtDuration(left) : `${t('overdue')} ${fmtDuration(-left)}`;
    el.classList.toggle('late', left < 0);
  }
}
setInterval(tickCountdowns, 1000);

function flash(id) {
  requestAnimationFrame(() => document.querySelector(`li.task[data-id="${id}"]`)?.classList.add('flash'));
}
