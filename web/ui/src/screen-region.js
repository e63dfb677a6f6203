// screen-region.js: the jurisdiction on the large screen: its name in the
// header, and a panel of the regions directly below it with their open
// incidents by level, teams, open support requests (and the stock of the
// item the map shows), from GET /api/v1/summary. Clicking a region drills
// into it; the trail above the table leads back up.
import { api, h, onLang, t } from './common.js';

const levelColor = ['#888', '#e5383b', '#f77f00', '#fcbf49', '#4ea8de'];
const busy = ['assigned', 'en_route', 'on_scene', 'returning'];

// regionPrefix is the prefix a region code shares with every division
// below it (dispatchd.RegionPrefix): 330000 → 33, 330100 → 3301.
export function regionPrefix(code) {
  let c = code || '';
  if (c.length !== 6) return c;
  while (c.length > 2 && c.endsWith('00')) c = c.slice(0, -2);
  return c;
}

// setupRegions wires the panel. fitRegion(code) frames a region's teams,
// depots and incidents on the map ("" and null: everything shown).
export function setupRegions({ state, panel, heading, user, fitRegion }) {
  state.trail = []; // the regions from the jurisdiction down to the one shown
  state.regionNames = state.regionNames || {};
  state.summaryLoads = 0;
  const name = (r) => (r.code ? r.name || r.code : t('wholeDeployment'));
  let last = 0, timer = null, shownAt = null;

  // load asks for the summary of the region at the end of the trail (the
  // caller's own jurisdiction before the first answer).
  async function load() {
    last = Date.now();
    const at = state.trail.at(-1);
    const q = new URLSearchParams();
    if (at) q.set('region', at.code);
    if (state.stockItem) q.set('items', state.stockItem);
    try {
      const sum = await api('GET', `/api/v1/summary?${q}`);
      if (state.trail.at(-1) !== at) return; // drilled elsewhere meanwhile
      if (!at) {
        state.trail = [sum.region];
        fitRegion(sum.region.code || null); // the map opens on the jurisdiction
      }
      state.summary = sum;
      state.summaryLoads++;
      for (const r of [sum.region, ...sum.children.map((c) => c.region)]) if (r.code) state.regionNames[r.code] = r.name;
      render();
    } catch (e) {
      panel.querySelector('.error').textContent = e.message;
    }
  }

  // refreshSoon reloads at most once every two seconds, however many
  // events arrive.
  function refreshSoon() {
    if (timer) return;
    timer = setTimeout(() => { timer = null; load(); }, Math.max(0, last + 2000 - Date.now()));
  }

  function go(trail) {
    state.trail = trail;
    state.summary = null;
    render();
    load();
    const at = trail.at(-1);
    fitRegion(trail.length > 1 ? at.code : null);
  }

  function counts(c, region) {
    const by = c.incidents.by_level;
    const teamsBusy = busy.reduce((n, s) => n + (c.teams.by_status[s] || 0), 0);
    const cells = [
      h('td.name', {}, region ? name(region) : t('total')),
      h('td.n.open', {}, String(c.incidents.open)),
      h('td.levels', {}, [1, 2, 3, 4].filter((l) => by[l] > 0).map((l) =>
        h('span.lvl', { style: `background:${levelColor[l]}`, title: t(`level.${l}`) }, String(by[l])))),
      h('td.n.teams', { title: t('teamsTitle') }, `${c.teams.by_status.available || 0}/${teamsBusy}/${c.teams.total}`),
      h('td.n.support', { title: t('supportTitle') }, `${c.support_requests.incoming}/${c.support_requests.outgoing}`),
    ];
    if (state.stockItem) cells.push(h('td.n.stock', {}, String(c.stock[0]?.available ?? '')));
    return cells;
  }

  function render() {
    const root = state.trail[0];
    heading.textContent = root ? name(root) + (user.desk ? ` · ${t(`desk.${user.desk}`)}` : '') : '';
    const sum = state.summary;
    const crumbs = state.trail.map((r, i) => (i === state.trail.length - 1
      ? h('span.here', {}, name(r))
      : h('button.crumb', { dataset: { code: r.code }, onclick: () => go(state.trail.slice(0, i + 1)) }, name(r))));
    const head = h('tr', {}, h('th', {}, t('region')), h('th', {}, t('openIncidents')), h('th', {}, t('byLevel')),
      h('th', { title: t('teamsTitle') }, t('teamsShort')), h('th', { title: t('supportTitle') }, t('supportShort')),
      state.stockItem ? h('th', {}, t('available_')) : null);
    const rows = [];
    if (sum) {
      rows.push(h('tr.total', { dataset: { open: sum.totals.incidents.open } }, counts(sum.totals)));
      for (const c of sum.children) {
        rows.push(h('tr.child', {
          dataset: { code: c.region.code, open: c.incidents.open, teams: c.teams.total,
            incoming: c.support_requests.incoming, outgoing: c.support_requests.outgoing },
          onclick: () => go([...state.trail, c.region]),
        }, counts(c, c.region)));
      }
    }
    panel.replaceChildren(...[
      h('h2', {}, h('span', { 'data-t': 'regionsPanel' }, t('regionsPanel'))),
      h('nav.crumbs', {}, crumbs.flatMap((c, i) => (i ? [h('span.sep', {}, '›'), c] : [c]))),
      h('table.rollup', {}, h('thead', {}, head), h('tbody', {}, rows)),
      sum && !sum.children.length ? h('p.none', {}, t('noSubdivisions')) : null,
      h('p.error')].filter(Boolean));
    shownAt = sum;
  }
  onLang(() => { if (shownAt) render(); });

  load();
  return { refreshSoon, reload: load };
}
