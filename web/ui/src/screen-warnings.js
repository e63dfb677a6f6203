// screen-warnings.js: the warnings (预警) on the large screen and their
// call-and-answer (叫应): each active warning in its level's colour, the
// countdown to its answer deadline, and per region the answer rate and
// the names of those who have not answered; escalations blink. Every
// warning.* event refetches the summaries, at most once a second. The
// panel stays hidden on a server without warnings.
import { api, APIError, h, lang, onLang } from './common.js';

const words = {
  zh: {
    panel: '预警叫应', none: '暂无生效预警', answered: '已应答', rate: '应答率', unanswered: '未应答',
    escalated: '已升级', notices: '上报通知', deadline: '应答时限', more: '等', level: { red: '红色', orange: '橙色', yellow: '黄色', blue: '蓝色' },
  },
  en: {
    panel: 'Warnings', none: 'No active warnings', answered: 'answered', rate: 'Answer rate', unanswered: 'Not answered',
    escalated: 'escalated', notices: 'notices', deadline: 'Answer by', more: 'and', level: { red: 'Red', orange: 'Orange', yellow: 'Yellow', blue: 'Blue' },
  },
};
const w = (key) => key.split('.').reduce((v, k) => v?.[k], words[lang]) ?? key;

// Levels, the most severe first; a screen shows at most maxShown warnings.
const levels = ['red', 'orange', 'yellow', 'blue'];
const maxShown = 8;
const maxNames = 6;

// setupWarnings probes GET /api/v1/warnings and wires the panel; it
// resolves to { available, onEvent, render }.
export async function setupWarnings({ state, panel }) {
  state.warnings = new Map(); // id → { warning, summary }
  const list = async () => (await api('GET', `/api/v1/warnings?state=active&limit=${maxShown * 4}`)).items;
  let first;
  try {
    first = await list();
  } catch (e) {
    if (e instanceof APIError && (e.status === 404 || e.status === 403)) {
      panel.hidden = true;
      state.warnings = null;
      return { available: false, onEvent() {}, render() {} };
    }
  }
  panel.hidden = false;

  let last = 0, timer = null, loading = false;
  async function load(items) {
    last = Date.now();
    if (loading) { refreshSoon(); return; }
    loading = true;
    try {
      items ||= await list();
      const now = Date.now();
      const shown = items.filter((x) => !x.expires || new Date(x.expires) > now)
        .sort((a, b) => levels.indexOf(a.level) - levels.indexOf(b.level) || b.sent.localeCompare(a.sent))
        .slice(0, maxShown);
      const sums = await Promise.all(shown.map((x) => api('GET', `/api/v1/warnings/${x.id}/summary`).catch(() => null)));
      state.warnings.clear();
      shown.forEach((x, i) => state.warnings.set(x.id, { warning: x, summary: sums[i] }));
      state.warningLoads = (state.warningLoads || 0) + 1;
      render();
    } catch { /* offline: the next event or round tries again */ } finally {
      loading = false;
    }
  }
  function refreshSoon() {
    if (timer) return;
    timer = setTimeout(() => { timer = null; load(); }, Math.max(0, last + 1000 - Date.now()));
  }

  const pct = (r) => `${Math.round((r || 0) * 100)}%`;
  const names = (rs) => {
    const ns = (rs || []).slice(0, maxNames).map((r) => r.name);
    return ns.join('、') + ((rs || []).length > maxNames ? ` ${w('more')}…` : '');
  };

  function regionRow(r) {
    const escalated = r.escalated > 0;
    return h('li.wregion', { class: `wregion${escalated ? ' escalated' : ''}`, dataset: { region: r.region } },
      h('span.name', {}, r.name || r.region),
      h('span.rate', { title: w('rate') }, `${r.answered}/${r.recipients} · ${pct(r.answer_rate)}`),
      h('span.bar', {}, h('span.fill', { style: `width:${pct(r.answer_rate)}` })),
      r.answered < r.recipients
        ? h('span.unanswered', {}, `${w('unanswered')}：${names(r.unanswered)}`)
        : null);
  }

  function item({ warning: x, summary: s }) {
    const escalated = (s?.escalated || 0) > 0;
    const done = s && s.totals.recipients > 0 && s.totals.answered === s.totals.recipients;
    return h('li.warning', { class: `warning level-${x.level}${escalated ? ' escalated' : ''}`, dataset: { id: x.id, level: x.level } },
      h('span.wlevel', {}, w(`level.${x.level}`)),
      h('span.title', {}, x.headline || x.event),
      s && !done ? h('span.countdown', { dataset: { ackBy: s.deadline }, title: w('deadline') }, '') : null,
      s ? h('span.meta', {}, [`${w('rate')} ${pct(s.totals.answer_rate)} (${s.totals.answered}/${s.totals.recipients})`,
        escalated ? `${s.escalated} ${w('escalated')}` : '', s.notices ? `${s.notices} ${w('notices')}` : ''].filter(Boolean).join(' · ')) : null,
      s ? h('ol.wregions', {}, s.regions.map(regionRow)) : null);
  }

  function render() {
    const ws = [...state.warnings.values()];
    panel.replaceChildren(h('h2', {}, w('panel')),
      h('ol.list#warnings', {}, ws.length ? ws.map(item) : [h('li.none', {}, w('none'))]));
  }
  onLang(render);

  // onEvent takes a warning.* event: the summaries are fetched again, at
  // most once a second however many answers arrive.
  function onEvent() {
    state.warningEvents = (state.warningEvents || 0) + 1;
    refreshSoon();
  }

  await load(first);
  setInterval(load, 30000);
  return { available: true, onEvent, render };
}
