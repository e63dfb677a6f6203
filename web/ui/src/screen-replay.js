// screen-replay.js: the large screen's time control. A moment picked loads
// the state at that moment (GET /api/v1/state); playing it feeds the
// window's events (GET /api/v1/replay), in commit order, to the same
// functions that apply live events, and moves each unit to its fix at the
// replayed time, with its track over the last few minutes behind it. While
// replaying the live feed is not applied; back to live asks it for a new
// snapshot.
import { api, h, lang, onLang, t } from './common.js';
import './screen-replay.css';

const speeds = [1, 2, 5, 10, 30, 60];
const chunk = 10 * 60e3; // the events and tracks loaded at once
const ahead = 3 * 60e3; // the next chunk is asked for this long before it is needed
const trailSpan = 5 * 60e3; // the trail behind a moving unit
const tickMs = 100;
// settle: an event's time is taken a little before its commit, so a window
// is read only up to this long before the present; a replay that catches
// up follows the present this far behind.
const settle = 5e3;

const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
// localInput writes a time as a datetime-local input reads it.
export function localInput(ms) {
  const d = new Date(ms), p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

// setupReplay adds the time control to the header and the trails to the
// map. applySnapshot, applyEvent and applyPositions are the screen's own
// appliers of a snapshot, an event and positions; toLive resumes the live
// feed from a new snapshot.
export function setupReplay({ state, map, mapReady, bar, mapwrap, applySnapshot, applyEvent, applyPositions, toLive }) {
  // at: the replayed time (ms); queue: the events loaded, next the first
  // not applied; tracks: team -> [[lon, lat, ms]...], oldest first;
  // loadedTo: the end of the windows loaded; since: the last event id
  // asked for; seq: bumped by every new moment, so that a late answer for
  // an old one is dropped.
  const r = {
    on: false, playing: false, speed: 1, at: 0, queue: [], next: 0, tracks: new Map(), shown: new Map(),
    loadedTo: 0, since: 0, loading: null, lastLoad: 0, seq: 0, applied: 0, error: '',
  };
  state.replay = r;

  const at = h('input#replay-at', { type: 'datetime-local', step: 1 });
  const go = h('button#replay-go', { onclick: () => { const ms = new Date(at.value).getTime(); if (!isNaN(ms)) enter(ms); } }, t('replay'));
  const play = h('button#replay-play', { onclick: () => (r.playing ? pause() : resume()) });
  const speed = h('select#replay-speed', { onchange: (e) => { r.speed = Number(e.target.value); render(); } },
    ...speeds.map((s) => h('option', { value: s }, `${s}×`)));
  const clock = h('span#replay-clock');
  const back = h('button#replay-live', { onclick: leave }, t('backToLive'));
  const controls = h('div.replay-controls', {}, play, speed, clock, back);
  const box = h('div.replay#replay', {}, at, go, controls);
  bar.querySelector('#conn').before(box);
  const banner = h('div#replay-banner', { hidden: true });
  mapwrap.append(banner);
  at.value = localInput(Date.now() - 3600e3);

  mapReady.then(() => {
    map.addSource('trails', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
    map.addLayer({ id: 'trails', type: 'line', source: 'trails', layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: { 'line-color': '#ffd166', 'line-width': 2.5, 'line-opacity': 0.8 } }, 'teams-dots');
  });

  function render() {
    document.body.classList.toggle('replaying', r.on);
    controls.hidden = !r.on;
    banner.hidden = !r.on;
    play.textContent = r.playing ? '❚❚' : '▶';
    play.title = t(r.playing ? 'pause' : 'play');
    play.dataset.playing = r.playing;
    speed.value = String(r.speed);
    if (!r.on) return;
    const when = new Date(r.at).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB', { hour12: false });
    clock.textContent = when;
    clock.dataset.at = iso(r.at);
    banner.dataset.at = iso(r.at);
    banner.replaceChildren(h('span.tag', {}, t('replayTag')), h('span.time', {}, when),
      h('span.speed', {}, r.playing ? `${r.speed}×` : t('paused')), r.error ? h('span.err', {}, r.error) : '');
  }
  onLang(render);
  render();

  // announce tells the other layers (the risk zones) that the replay started,
  // jumped to another moment or ended: not every frame.
  const announce = () => window.dispatchEvent(new CustomEvent('dispatchd:replay', { detail: { on: r.on, at: r.at } }));

  // enter shows the moment ms and holds it, paused.
  async function enter(ms) {
    const seq = ++r.seq;
    r.on = true;
    r.ready = false; // the moment shown, its first chunk loaded
    pause();
    r.error = '';
    r.at = ms;
    render();
    announce();
    try {
      const st = await api('GET', `/api/v1/state?at=${encodeURIComponent(iso(ms))}`);
      if (seq !== r.seq) return;
      Object.assign(r, { queue: [], next: 0, tracks: new Map(), shown: new Map(), since: st.event_id, loading: null, applied: 0 });
      state.selected = null;
      state.plan = null;
      const pos = new Map((st.positions || []).map((p) => [p.team, p]));
      for (const tm of st.teams || []) {
        const p = pos.get(tm.id);
        if (p) Object.assign(tm, { position: { lon: p.lon, lat: p.lat }, position_ts: p.ts });
        else delete tm.position;
      }
      applySnapshot(st);
      if (state.stockItem) {
        state.stock = Object.fromEntries((st.stock || []).filter((s) => s.item === state.stockItem).map((s) => [s.depot, s.available]));
      }
      r.loadedTo = ms - trailSpan;
      await load(seq);
      if (seq !== r.seq) return;
      step(true);
      r.ready = true;
    } catch (e) {
      if (seq === r.seq) { r.error = e.message; render(); }
    }
  }

  // load asks for the next chunk of events and tracks after what is
  // loaded, up to the settled past.
  function load(seq) {
    const from = r.loadedTo, to = Math.min(from + chunk, Date.now() - settle);
    r.lastLoad = performance.now();
    if (to <= from) return Promise.resolve();
    r.loading = (async () => {
      let tracks = true;
      for (;;) {
        const q = new URLSearchParams({ from: iso(from), to: iso(to), since: r.since, tracks });
        const w = await api('GET', `/api/v1/replay?${q}`);
        if (seq !== r.seq) return;
        r.queue.push(...w.events);
        r.since = w.next_since;
        for (const tr of w.tracks) {
          const pts = r.tracks.get(tr.team) || [];
          const last = pts.length ? pts[pts.length - 1][2] : -Infinity;
          for (const [lon, lat, ts] of tr.points) {
            const ms = Date.parse(ts);
            if (ms > last) pts.push([lon, lat, ms]);
          }
          r.tracks.set(tr.team, pts);
        }
        tracks = false;
        if (!w.more) break;
      }
      r.loadedTo = to;
    })().finally(() => { if (seq === r.seq) r.loading = null; });
    return r.loading;
  }

  let timer = null, wall = 0;
  function resume() {
    if (!r.on) return;
    r.playing = true;
    wall = performance.now();
    clearInterval(timer);
    timer = setInterval(tick, tickMs);
    render();
  }
  function pause() {
    r.playing = false;
    clearInterval(timer);
    timer = null;
    render();
  }

  function tick() {
    const now = performance.now();
    const dt = now - wall;
    wall = now;
    if (!r.on || !r.playing) return;
    // The clock waits for the events it would pass: none is skipped.
    r.at = Math.max(r.at, Math.min(r.at + dt * r.speed, r.loadedTo));
    if (!r.loading && r.at > r.loadedTo - ahead && now - r.lastLoad > 1000) {
      load(r.seq).catch((e) => { r.error = e.message; });
    }
    step();
  }

  // step applies the events up to the replayed time and moves the units
  // to their fixes at it. The first step of a moment moves none: the
  // state's positions are the fixes at it, which thinning may have left
  // out of the tracks.
  function step(first = false) {
    while (r.next < r.queue.length && Date.parse(r.queue[r.next].ts) <= r.at) {
      const ev = r.queue[r.next++];
      applyEvent({ ...ev, event: ev.type });
      r.applied++;
    }
    const moved = [], trails = [];
    for (const [team, pts] of r.tracks) {
      const i = lastAtOrBefore(pts, r.at);
      if (i < 0) continue;
      const p = pts[i];
      if (r.shown.get(team) !== p) {
        r.shown.set(team, p);
        if (!first) moved.push({ team, lon: p[0], lat: p[1], ts: iso(p[2]) });
      }
      let j = i;
      while (j > 0 && pts[j - 1][2] >= r.at - trailSpan) j--;
      const line = pts.slice(j, i + 1).map((q) => [q[0], q[1]]);
      if (line.length > 1 && line.some((c) => c[0] !== line[0][0] || c[1] !== line[0][1])) {
        trails.push({ type: 'Feature', properties: { team }, geometry: { type: 'LineString', coordinates: line } });
      }
    }
    if (moved.length) applyPositions(moved);
    state.trails = trails; // for the tests
    map.getSource('trails')?.setData({ type: 'FeatureCollection', features: trails });
    render();
  }

  function leave() {
    r.seq++;
    pause();
    r.on = false;
    r.queue = [];
    r.tracks = new Map();
    state.trails = [];
    map.getSource('trails')?.setData({ type: 'FeatureCollection', features: [] });
    render();
    announce();
    toLive();
  }

  // For the tests and for operators at the console.
  window.dispatchdReplay = { enter, play: (s) => { if (s) r.speed = s; resume(); }, pause, leave, localInput };
  return r;
}

// lastAtOrBefore returns the index of the last point at or before ms, -1
// when there is none.
function lastAtOrBefore(pts, ms) {
  let lo = 0, hi = pts.length - 1, out = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (pts[mid][2] <= ms) { out = mid; lo = mid + 1; } else hi = mid - 1;
  }
  return out;
}
