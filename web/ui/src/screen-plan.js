// screen-plan.js: the commander's plan on the large screen: click an
// incident to see, adjust and dispatch its suggested plan, with lines and
// ETA tags on the map; click the map to record a new incident.
import { Marker, Popup } from 'maplibre-gl';
import { api, fenceNote, h, t } from './common.js';

const empty = () => ({ type: 'FeatureCollection', features: [] });

// redMark is the small red tag of a pick or line whose route starts or
// ends in a red risk zone (red_zone), null when none.
function redMark(x) {
  if (!x.red_zone?.length) return null;
  const title = x.red_zone.map((z) => `${t(z.at === 'start' ? 'zoneStart' : 'zoneEnd')}: ${z.name || z.zone} (${t(`type.${z.hazard}`)})`).join('; ');
  return h('span.red-zone', { title, dataset: { zones: x.red_zone.map((z) => `${z.at}:${z.zone}`).join(' ') } }, t('redZone'));
}

// setupPlan wires the plan to the screen's state, map and plan panel; it
// returns what the rest of the screen calls.
export function setupPlan({ state, map, panel, markDirty }) {
  // ---- the commander's plan ----------------------------------------------

  map.on('click', 'incidents', (e) => {
    e.preventDefault();
    select(e.features[0].properties.id);
  });
  map.on('mouseenter', 'incidents', () => { map.getCanvas().style.cursor = 'pointer'; });
  map.on('mouseleave', 'incidents', () => { map.getCanvas().style.cursor = ''; });

  async function select(id) {
    state.selected = id;
    markDirty('incidents', 'panels');
    const i = state.incidents.get(id);
    // A replay shows the past: no plan of today's, nothing to dispatch.
    const plans = state.commander && !state.replay?.on;
    if (!plans && i) map.easeTo({ center: [i.location.lon, i.location.lat], zoom: Math.max(map.getZoom(), 9) });
    if (plans) await loadPlan();
  }

  // The plan keeps the commander's choices across refreshes: which picks are
  // in, and quantities changed by hand.
  async function loadPlan() {
    const id = state.selected;
    if (!id || state.replay?.on) return;
    try {
      const sug = await api('GET', `/api/v1/incidents/${id}/suggestions`);
      if (state.selected !== id) return;
      const prev = state.plan?.incident === id ? state.plan : null;
      state.plan = { incident: id, sug, off: prev?.off || new Set(), on: prev?.on || new Set(), qty: prev?.qty || {}, why: prev?.why || {}, error: '', fitted: prev?.fitted, result: prev?.result, showAlt: prev?.showAlt };
      state.short = { ...state.short, [id]: sug.items.filter((x) => x.shortfall > 0) };
    } catch (e) {
      state.plan = { incident: id, sug: null, error: e.message, off: new Set(), on: new Set(), qty: {}, why: {} };
    }
    markDirty('plan', 'panels');
  }
  let planTimer = null;
  function refreshPlanSoon() { clearTimeout(planTimer); planTimer = setTimeout(loadPlan, 500); }

  // planChoices returns the tasks and orders ticked, and why proposed picks
  // and lines were unticked, where the commander said.
  function planChoices() {
    const p = state.plan, sug = p.sug;
    const tasks = [], orders = new Map(), skipped = [];
    const why = (key) => (p.why?.[key] || '').trim();
    for (const need of sug.teams) {
      for (const pick of [...need.picks, ...need.alternates]) {
        const key = `t:${need.need}:${pick.team.id}`;
        const isPick = need.picks.includes(pick);
        if (isPick && p.off.has(key) && why(key)) skipped.push({ need: need.need, team: pick.team.id, reason: why(key) });
        if (isPick ? p.off.has(key) : !p.on.has(key)) continue;
        tasks.push({ team: pick.team.id, need: need.need, pick });
      }
    }
    for (const it of sug.items) {
      for (const line of it.plan) {
        const key = `o:${it.item}:${line.depot.id}`;
        if (p.off.has(key) && why(key)) skipped.push({ item: it.item, depot: line.depot.id, reason: why(key) });
        if (p.off.has(key)) continue;
        const qty = p.qty[key] ?? line.qty;
        if (!(qty > 0)) continue;
        if (!orders.has(line.depot.id)) orders.set(line.depot.id, { depot: line.depot.id, lines: [], line });
        orders.get(line.depot.id).lines.push({ item: it.item, qty });
      }
    }
    return { tasks, orders: [...orders.values()], skipped };
  }

  // skipReason is the small input under an unticked proposed pick or line:
  // why the commander passed it over, sent with the dispatch. Typing does
  // not redraw; a redraw shows what was typed.
  function skipReason(key) {
    const p = state.plan;
    if (!p.off.has(key)) return [];
    return [h('input.skip-reason', { type: 'text', maxlength: 500, placeholder: t('skipReason'), value: p.why[key] || '',
      dataset: { skip: key }, oninput: (e) => { p.why[key] = e.target.value; } })];
  }

  // renderPlan redraws the plan only when what it shows has changed, so
  // that a commander's click or typing is not lost to a redraw.
  let planShown = '';
  function renderPlan() {
    const p = state.plan, el = panel;
    el.hidden = !p;
    if (!p) { planShown = ''; return; }
    const i = state.incidents.get(p.incident);
    // An answer redraws when its status or its geofence note changes.
    const answers = [...state.tasks.values()].filter((k) => k.incident === p.incident).map((k) => [k.id, k.status, k.fence])
      .concat([...state.orders.values()].filter((o) => o.incident === p.incident).map((o) => [o.id, o.status, o.arrived_at, o.departed_at]));
    const shown = JSON.stringify([p.incident, i?.title, p.sug?.computed_at, [...p.off], [...p.on], [...(p.showAlt || [])], p.qty, p.error, p.result, p.sending, answers, document.documentElement.lang]);
    if (shown === planShown) return;
    planShown = shown;
    const rows = [h('h2', {}, `${t('plan')} · ${i?.title || ''}`)];
    if (p.error) rows.push(h('p.error', {}, p.error));
    if (p.sug) {
      const toggle = (key, isPick) => (e) => {
        const set = isPick ? p.off : p.on;
        if ((isPick && !e.target.checked) || (!isPick && e.target.checked)) set.add(key); else set.delete(key);
        markDirty('plan');
      };
      for (const need of p.sug.teams) {
        rows.push(h('h3', {}, `${t(`cap.${need.need}`)} × ${need.count}`));
        const pickRow = (pick, isPick) => {
          const key = `t:${need.need}:${pick.team.id}`;
          const checked = isPick ? !p.off.has(key) : p.on.has(key);
          return h('label.pick', { class: `pick${pick.meets_deadline ? '' : ' late'}${isPick ? '' : ' alt'}`, dataset: { team: pick.team.id } },
            h('input', { type: 'checkbox', checked, onchange: toggle(key, isPick) }),
            h('span.name', {}, pick.team.name),
            h('span.eta', {}, `${(pick.distance_m / 1000).toFixed(1)} ${t('km')} · ${t('eta')} ${Math.round(pick.eta_s / 60)} ${t('min')}`),
            pick.meets_deadline ? null : h('span.warn', {}, t('missesDeadline')), redMark(pick),
            // What the dispatch costs the team's home county's coverage.
            pick.coverage ? h('span.coverage', { class: `coverage${pick.coverage.after < pick.coverage.share ? ' loss' : ''}` },
              `${t('coverageShort')} ${Math.round(pick.coverage.share * 100)}%→${Math.round(pick.coverage.after * 100)}%`) : null);
        };
        for (const pick of need.picks) rows.push(pickRow(pick, true), ...skipReason(`t:${need.need}:${pick.team.id}`));
        if (need.shortfall > 0) rows.push(h('p.warn', {}, `${t('shortfall')}: ${need.shortfall}`));
        if (need.alternates.length) {
          // Open alternates stay open across redraws.
          p.showAlt ||= new Set();
          rows.push(h('details', { open: p.showAlt.has(need.need), ontoggle: (e) => {
            // A redraw may have replaced this element meanwhile: keep the
            // choice and draw it again.
            const was = p.showAlt.has(need.need);
            if (e.target.open) p.showAlt.add(need.need); else p.showAlt.delete(need.need);
            if (was !== p.showAlt.has(need.need)) markDirty('plan');
          } },
            h('summary', {}, t('alternates')), need.alternates.map((a) => pickRow(a, false))));
        }
      }
      for (const it of p.sug.items) {
        rows.push(h('h3', {}, `${it.name || it.item} × ${it.needed} ${it.unit || ''}`));
        for (const line of it.plan) {
          const key = `o:${it.item}:${line.depot.id}`;
          rows.push(h('label.pick', { class: `pick${line.meets_deadline ? '' : ' late'}`, dataset: { depot: line.depot.id } },
            h('input', { type: 'checkbox', checked: !p.off.has(key), onchange: (e) => { if (e.target.checked) p.off.delete(key); else p.off.add(key); markDirty('plan'); } }),
            h('span.name', {}, line.depot.name),
            h('input.qty', { type: 'number', min: 1, max: line.available, value: p.qty[key] ?? line.qty,
              onchange: (e) => { p.qty[key] = Math.max(0, Math.min(line.available, Math.floor(+e.target.value || 0))); } }),
            h('span.eta', {}, `${t('eta')} ${Math.round(line.eta_s / 60)} ${t('min')}`),
            line.meets_deadline ? null : h('span.warn', {}, t('missesDeadline')), redMark(line)), ...skipReason(key));
        }
        if (it.shortfall > 0) rows.push(h('p.warn.shortfall', {}, `${t('shortfall')}: ${it.shortfall} ${it.unit || ''}`));
      }
      rows.push(h('div.actions', {},
        h('button.primary#dispatch', { onclick: dispatchPlan, disabled: p.sending }, t('dispatch')),
        h('button#close-plan', { onclick: () => { state.selected = null; state.plan = null; markDirty('plan', 'panels', 'incidents'); } }, t('cancel'))));
      if (p.result) rows.push(h('p.ok#dispatch-result', {}, p.result));
    }
    // The answers: every task and order of this incident, live.
    const tasks = [...state.tasks.values()].filter((k) => k.incident === p.incident);
    const orders = [...state.orders.values()].filter((o) => o.incident === p.incident);
    if (tasks.length || orders.length) {
      rows.push(h('h3', {}, t('answers')));
      rows.push(h('ol.answers', {},
        tasks.map((k) => h('li.answer', { dataset: { task: k.id, status: k.status } }, h('span.name', {}, k.team_name || k.team),
          h('span.status', { class: `status s-${k.status}` }, t(`status.${k.status}`)), fenceNote(k))),
        orders.map((o) => h('li.answer', { dataset: { order: o.id, status: o.status } }, h('span.name', {}, o.depot_name || o.depot),
          h('span.status', { class: `status s-${o.status}` }, t(`status.${o.status}`)), fenceNote(o)))));
    }
    el.replaceChildren(...rows);
  }

  async function dispatchPlan() {
    const p = state.plan;
    const { tasks, orders, skipped } = planChoices();
    if (!tasks.length && !orders.length) return;
    p.sending = true;
    p.error = '';
    markDirty('plan', 'panels');
    p.key ||= crypto.randomUUID ? crypto.randomUUID() : String(Date.now());
    try {
      const r = await api('POST', `/api/v1/incidents/${p.incident}/dispatch`, {
        tasks: tasks.map((x) => ({ team: x.team, need: x.need })),
        orders: orders.map((o) => ({ depot: o.depot, lines: o.lines })),
        // The suggestion it carries out, for the review's proposed against
        // chosen.
        suggestion: p.sug.id,
        skipped: skipped.length ? skipped : undefined,
      }, { key: p.key });
      for (const k of r.tasks) state.tasks.set(k.id, k);
      for (const o of r.orders) state.orders.set(o.id, o);
      p.result = `${t('dispatched')}: ${r.tasks.length} + ${r.orders.length}`;
      p.key = null;
      p.off = new Set(); p.on = new Set(); p.qty = {}; p.why = {};
      await loadPlan();
      state.plan.result = p.result;
    } catch (e) {
      state.plan.error = e.message;
      p.key = null;
    } finally {
      state.plan.sending = false;
      markDirty('plan', 'panels');
    }
  }

  // ETA tags at the far end of each plan line: HTML markers, a handful at
  // most, so that the map needs no glyph server.
  let etaTags = [];
  function tag(at, text, late) {
    const el = h('div.eta-tag', { class: late ? 'eta-tag late' : 'eta-tag' }, text);
    etaTags.push(new Marker({ element: el, anchor: 'bottom', offset: [0, -8] }).setLngLat(at).addTo(map));
  }

  function drawPlanLines() {
    const src = map.getSource('plan');
    if (!src) return;
    for (const m of etaTags) m.remove();
    etaTags = [];
    const p = state.plan, i = p && state.incidents.get(p.incident);
    if (!p?.sug || !i) { src.setData(empty()); return; }
    const to = [i.location.lon, i.location.lat];
    const fs = [];
    const { tasks, orders } = planChoices();
    for (const x of tasks) {
      const tm = state.teams.get(x.team), at = tm && (tm.position || tm.base);
      if (!at) continue;
      fs.push({ type: 'Feature', geometry: { type: 'LineString', coordinates: [[at.lon, at.lat], to] }, properties: { kind: 'team', late: !x.pick.meets_deadline } });
      tag([at.lon, at.lat], `${x.pick.team.name.slice(0, 12)} · ${Math.round(x.pick.eta_s / 60)} ${t('min')}`, !x.pick.meets_deadline);
    }
    for (const o of orders) {
      const d = state.depots.get(o.depot);
      if (!d) continue;
      fs.push({ type: 'Feature', geometry: { type: 'LineString', coordinates: [[d.location.lon, d.location.lat], to] }, properties: { kind: 'depot', late: !o.line.meets_deadline } });
      tag([d.location.lon, d.location.lat], `${o.lines.map((l) => l.qty).join('+')} · ${Math.round(o.line.eta_s / 60)} ${t('min')}`, !o.line.meets_deadline);
    }
    fs.push({ type: 'Feature', geometry: { type: 'Point', coordinates: to }, properties: {} });
    src.setData({ type: 'FeatureCollection', features: fs });
    state.planLines = fs.length - 1;
    if (p.fitted !== p.incident) {
      // Frame the plan once: the incident and every team and depot in it.
      p.fitted = p.incident;
      const pts = fs.flatMap((f) => (f.geometry.type === 'Point' ? [f.geometry.coordinates] : f.geometry.coordinates));
      const lons = pts.map((c) => c[0]), lats = pts.map((c) => c[1]);
      map.fitBounds([[Math.min(...lons), Math.min(...lats)], [Math.max(...lons), Math.max(...lats)]], { padding: 120, maxZoom: 13, duration: 600 });
    }
  }

  // ---- a new incident, placed on the map ----------------------------------

  map.on('click', (e) => {
    if (!state.commander || e.defaultPrevented || state.replay?.on) return;
    newIncidentForm(e.lngLat);
  });

  let popup = null;
  function newIncidentForm(at) {
    popup?.remove();
    const types = Object.keys({ flood: 1, typhoon: 1, forest_fire: 1, fire: 1, hazmat: 1, building_collapse: 1, earthquake: 1,
      mine_accident: 1, geological_hazard: 1, traffic_accident: 1, drowning: 1, power_outage: 1, epidemic: 1, other: 1 });
    const err = h('p.error');
    const form = h('form.new-incident#new-incident', {
      onsubmit: async (e) => {
        e.preventDefault();
        const f = new FormData(form);
        const pairs = (s, k1, k2) => String(s || '').split(/[,，\s]+/).filter(Boolean).map((x) => {
          const [a, b] = x.split(/[×x*:]/);
          return { [k1]: a, [k2]: Number(b || 1) };
        });
        try {
          const inc = await api('POST', '/api/v1/incidents', {
            type: f.get('type'), level: Number(f.get('level')), title: f.get('title'),
            location: { lon: +at.lng.toFixed(6), lat: +at.lat.toFixed(6) },
            needs: { teams: pairs(f.get('teams'), 'capability', 'count'), items: pairs(f.get('items'), 'item', 'qty') },
            deadline_s: Math.round(Number(f.get('deadline') || 180) * 60),
          }, { key: form.dataset.key });
          popup.remove();
          state.incidents.set(inc.id, inc);
          select(inc.id);
        } catch (e2) {
          err.textContent = e2.message;
        }
      },
      dataset: { key: crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) },
    },
    h('h3', {}, t('newIncident')),
    h('label', {}, t('title'), h('input', { name: 'title', required: true })),
    h('label', {}, t('type_'), h('select', { name: 'type' }, types.map((x) => h('option', { value: x }, t(`type.${x}`))))),
    h('label', {}, t('level_'), h('select', { name: 'level' }, [1, 2, 3, 4].map((l) => h('option', { value: l, selected: l === 3 }, t(`level.${l}`))))),
    h('label', {}, t('needsTeams'), h('input', { name: 'teams', placeholder: 'water_rescue×2' })),
    h('label', {}, t('needsItems'), h('input', { name: 'items', placeholder: '2020301×10' })),
    h('label', {}, t('deadline'), h('input', { name: 'deadline', type: 'number', min: 1, value: 180 })),
    h('button.primary', { type: 'submit' }, t('create')), err);
    popup = new Popup({ closeOnClick: false, maxWidth: '360px' }).setLngLat(at).setDOMContent(form).addTo(map);
  }

  return { select, loadPlan, refreshPlanSoon, renderPlan, drawPlanLines };
}
