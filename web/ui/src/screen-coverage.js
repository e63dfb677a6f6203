// screen-coverage.js: the coverage layer (应急覆盖) of the large screen.
// The commander picks a capability; the map shades the 2 km cells of the
// jurisdiction's counties that no available team of it reaches within its
// target time, and a list names the counties below the gap threshold. The
// layer refreshes on task and team events (at most every two seconds);
// a coverage.gap event shows a toast and refreshes at once; a new population
// layer (coverage.population_imported) refreshes the shares.
import { api, h, lang, t } from './common.js';

const words = {
  zh: { layer: '覆盖', off: '关闭', gap: '覆盖缺口', restored: '覆盖恢复', gaps: '覆盖不足', people: '人口' },
  en: { layer: 'Coverage', off: 'off', gap: 'Coverage gap', restored: 'Coverage restored', gaps: 'Below threshold', people: 'people' },
};
const w = (k) => words[lang][k] ?? k;
const empty = () => ({ type: 'FeatureCollection', features: [] });

// setupCoverage adds the picker to the legend and the layer to the map;
// it returns { onEvent } for the screen's event feed.
export function setupCoverage({ state, map, mapReady, legend }) {
  state.coverage = { capability: localStorage.getItem('dispatchd.coverage') || '', loads: 0, gaps: [], toasts: 0 };
  const pick = h('select#coverage-cap', {
    onfocus: fill, onmousedown: fill,
    onchange: (e) => { state.coverage.capability = e.target.value; localStorage.setItem('dispatchd.coverage', e.target.value); load(); },
  }, h('option', { value: '' }, w('off')));
  const list = h('ol.coverage-gaps');
  legend.append(h('label', {}, h('span', {}, w('layer')), pick), list);

  // fill lists the capabilities of the teams the screen holds.
  function fill() {
    const caps = new Set();
    for (const tm of state.teams?.values() || []) for (const c of tm.capabilities || []) caps.add(c);
    if (state.coverage.capability) caps.add(state.coverage.capability);
    const have = new Set([...pick.options].map((o) => o.value));
    for (const c of [...caps].sort()) {
      if (!have.has(c)) pick.append(h('option', { value: c }, t(`cap.${c}`)));
    }
    pick.value = state.coverage.capability;
  }

  mapReady.then(() => {
    map.addSource('coverage', { type: 'geojson', data: empty() });
    map.addLayer({ id: 'coverage', type: 'fill', source: 'coverage',
      paint: { 'fill-color': ['case', ['get', 'covered'], '#2ec4b6', '#e5383b'], 'fill-opacity': ['case', ['get', 'covered'], 0.08, 0.3] } },
    map.getLayer('depots') ? 'depots' : undefined);
    fill();
    load();
  });

  let timer = null, loading = false, again = false;
  async function load() {
    const cap = state.coverage.capability;
    if (loading) { again = true; return; }
    loading = true;
    try {
      if (!cap) {
        map.getSource('coverage')?.setData(empty());
        state.coverage.gaps = [];
        list.replaceChildren();
        return;
      }
      const q = `capability=${encodeURIComponent(cap)}`;
      const [cells, rep] = await Promise.all([api('GET', `/api/v1/coverage?${q}&format=geojson`), api('GET', `/api/v1/coverage?${q}`)]);
      map.getSource('coverage')?.setData(cells);
      const rows = rep.counties.length ? rep.counties
        : [{ region: rep.region, name: rep.name, share: rep.share, population_share: rep.population_share,
          gap: (rep.weight === 'population' && rep.population_share != null ? rep.population_share : rep.share) < rep.threshold }];
      state.coverage.gaps = rows.filter((r) => r.gap && r.cells !== 0).sort((a, b) => a.share - b.share);
      state.coverage.share = rep.share;
      list.replaceChildren(...state.coverage.gaps.slice(0, 6).map((r) =>
        h('li', { dataset: { region: r.region } }, `${r.name || r.region} ${Math.round(r.share * 100)}%`
          + (r.population_share == null ? '' : ` · ${w('people')} ${Math.round(r.population_share * 100)}%`))));
      if (state.coverage.gaps.length) list.prepend(h('li.head', {}, w('gaps')));
      state.coverage.loads++;
    } catch { /* offline, or no coverage: the next event tries again */ } finally {
      loading = false;
      if (again) { again = false; load(); }
    }
  }
  const refreshSoon = () => { if (!timer) timer = setTimeout(() => { timer = null; load(); }, 2000); };

  function toast(ev) {
    const d = ev.data || {};
    const msg = `${w(ev.event === 'coverage.gap' ? 'gap' : 'restored')}: ${d.region_name || d.region} ${t(`cap.${d.capability}`)} ${Math.round((d.share || 0) * 100)}%`;
    const el = h('div.coverage-toast', { class: `coverage-toast${ev.event === 'coverage.gap' ? ' gap' : ''}` }, msg);
    document.body.append(el);
    state.coverage.toasts++;
    setTimeout(() => el.remove(), 8000);
  }

  return {
    onEvent(ev) {
      const kind = ev.event.split('.')[0];
      if (ev.event === 'coverage.population_imported') {
        if (state.coverage.capability) refreshSoon(); // the population shares changed
      } else if (kind === 'coverage') {
        toast(ev);
        if (ev.data?.capability === state.coverage.capability) load();
      } else if (state.coverage.capability && (kind === 'task' || kind === 'team')) refreshSoon();
    },
  };
}
