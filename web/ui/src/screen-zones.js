// screen-zones.js: the risk zones (风险区) on the large screen: the
// polygons in force at the chosen time (now, +3 h, +6 h, +24 h, +48 h),
// filled by level under every other layer; fetched again on each
// zones.imported event and every minute (zones end as time passes); a
// toast when a team enters a red zone (zone.entered). While the screen
// replays a past moment (state.replay.on), the layer shows the zones as
// known at the replayed time, fetched when the replay starts or jumps
// (the dispatchd:replay window event) and not every frame.
import './screen-zones.css';
import { api, h, lang, t } from './common.js';

export const zoneColors = { red: '#e53935', orange: '#fb8c00', yellow: '#fdd835', blue: '#1e88e5' };
const offsets = [0, 3, 6, 24, 48]; // hours from now
const words = {
  zh: { label: '风险区', now: '现在', count: '个', entered: '进入红色风险区' },
  en: { label: 'Risk zones', now: 'Now', count: 'zones', entered: 'entered a red risk zone' },
};
const w = (k) => words[lang][k];
const empty = () => ({ type: 'FeatureCollection', features: [] });

// setupZones adds the zones' layers below beneath (a layer id), the time
// chooser and the toasts to mapwrap; it returns { onEvent } for the
// screen's event feed. window.dispatchdZones shows its state to tests.
export function setupZones({ state, map, mapReady, mapwrap, beneath }) {
  const zs = { offset: 0, at: '', replay: false, features: [], loads: 0, toasts: 0 };
  window.dispatchdZones = zs;
  const count = h('span.count');
  const buttons = offsets.map((o) => h('button', { type: 'button', dataset: { offset: o }, onclick: () => { zs.offset = o; load(); } },
    o ? `+${o}h` : w('now')));
  const toasts = h('div.zone-toasts');
  mapwrap.append(h('div.zones-time#zones-time', {}, h('span.label', {}, w('label')), ...buttons, count), toasts);

  mapReady.then(() => {
    map.addSource('zones', { type: 'geojson', data: empty() });
    const color = ['match', ['get', 'level'], 'red', zoneColors.red, 'orange', zoneColors.orange, 'yellow', zoneColors.yellow, zoneColors.blue];
    const before = map.getLayer(beneath) ? beneath : undefined;
    map.addLayer({ id: 'zones-fill', type: 'fill', source: 'zones', paint: { 'fill-color': color, 'fill-opacity': 0.28 } }, before);
    map.addLayer({ id: 'zones-line', type: 'line', source: 'zones', paint: { 'line-color': color, 'line-width': 1.5, 'line-opacity': 0.9 } }, before);
    load();
  });

  let seq = 0;
  async function load() {
    const mine = ++seq;
    // Replaying, the replayed moment alone: the chooser's offsets are
    // from now.
    const replay = !!state.replay?.on;
    const ms = replay ? state.replay.at : Date.now() + zs.offset * 3600e3;
    const at = new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
    for (const b of buttons) {
      b.classList.toggle('on', !replay && +b.dataset.offset === zs.offset);
      b.disabled = replay;
    }
    try {
      const fc = await api('GET', `/api/v1/zones?at=${encodeURIComponent(at)}`);
      if (mine !== seq) return;
      await mapReady;
      map.getSource('zones')?.setData(fc);
      // Boundaries added since (a province's) go beneath the layer too:
      // the zones stay above them.
      if (map.getLayer(beneath)) for (const id of ['zones-fill', 'zones-line']) map.moveLayer(id, beneath);
      Object.assign(zs, { at, replay, features: fc.features.map((f) => f.properties), loads: zs.loads + 1 });
      count.textContent = `${fc.features.length} ${w('count')}`;
    } catch { /* offline: the next event or minute tries again */ }
  }
  setInterval(load, 60e3);
  window.addEventListener('dispatchd:replay', load);

  function onEvent(ev) {
    if (ev.event === 'zones.imported') load();
    if (ev.event !== 'zone.entered') return;
    const d = ev.data || {};
    const team = state.teams.get(d.team)?.name || d.team;
    const toast = h('div.zone-toast', { dataset: { team: d.team, zone: d.zone } },
      `⚠ ${team} ${w('entered')}: ${d.name || d.zone} (${t(`type.${d.hazard}`)})`);
    toasts.prepend(toast);
    zs.toasts++;
    setTimeout(() => toast.remove(), 30e3);
  }
  return { onEvent };
}
