// Herald monitoring: the tabs next to the overview (alerts & health, campaigns, trends & forecast, consent & compliance, messages, insights, deliveries, audit). Loaded by app.js the
// first time one of them is opened, so the overview's first load does not carry it. Plain JS over Herald's JSON API;
// changes (acknowledge, resolve) send the session's CSRF token in X-Herald-CSRF.
'use strict';
(() => {
  const D = window.HeraldDashboard;
  const { el, $, api, apiSend, fmt, COLORS } = D;
  // The messages tab is not refreshed: a search stays as it was run (its pages would shift under the reader).
  const REFRESH_MS = { alerts: 15000, campaigns: 30000, trends: 60000, compliance: 60000, insights: 120000, deliveries: 30000 };
  const CONDITION = { gt: '>', gte: '≥', lt: '<', lte: '≤' };
  const SEVERITY_ORDER = ['critical', 'high', 'medium', 'warning', 'low', 'info'];
  const charts = {};
  let refreshTimer = null;
  let visible = null;

  // ---------- shared pieces ----------
  /** Replaces a node's children, leaving out the null, undefined and false ones (as el() does). */
  function put(node, ...children) {
    node.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  }
  const fmtNum = (n, digits = 2) => (n === null || n === undefined ? '–' : Number.isInteger(n) ? fmt.int(n) : n.toFixed(digits));
  function fmtBytes(b) {
    if (b === null || b === undefined) return '–';
    const units = ['B', 'KB', 'MB', 'GB', 'TB'];
    let i = 0;
    while (b >= 1024 && i < units.length - 1) { b /= 1024; i++; }
    return `${b.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
  }
  function fmtAgo(iso) {
    if (!iso) return '–';
    const s = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 1000));
    if (s < 60) return `${s} s ago`;
    if (s < 3600) return `${Math.floor(s / 60)} min ago`;
    if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min ago`;
    return `${Math.floor(s / 86400)} d ago`;
  }
  const fullTime = (iso) => (iso ? `${fmt.full.format(new Date(iso))} UTC` : '–');
  const timeEl = (iso, text) => (iso ? el('time', { datetime: iso, title: fullTime(iso) }, text ?? fmtAgo(iso)) : '–');
  const card = (id, title, ...rest) => el('article', { class: 'card', id, 'aria-labelledby': `${id}-title` },
    el('header', { class: 'card-head' }, el('h2', { id: `${id}-title` }, title), el('span', { class: 'muted small card-note' })),
    el('p', { class: 'banner error card-error', role: 'alert', hidden: true }),
    el('div', { class: 'card-body' }), ...rest);
  const body = (id) => $(`#${id} .card-body`);
  function note(id, text) { $(`#${id} .card-note`).textContent = text || ''; }
  function cardError(id, e) {
    const p = $(`#${id} .card-error`);
    p.textContent = e ? `Could not load: ${e.message}` : '';
    p.hidden = !e;
  }
  /** Loads one card: its own error line, so a failing endpoint never blanks the rest of the panel. */
  async function loadCard(id, work) {
    try {
      await work();
      cardError(id, null);
    } catch (e) {
      if (e.status === 401) return;
      cardError(id, e);
    }
  }
  const empty = (text, id) => el('p', { class: 'empty', id }, text);
  const table = (head, rows, attrs = {}) => el('div', { class: 'table-wrap' }, el('table', attrs,
    el('thead', {}, el('tr', {}, head.map(([text, cls]) => el('th', { class: cls, scope: 'col' }, text)))),
    el('tbody', {}, rows)));
  function bar(percent, cls = 'b-accent', label) {
    const p = Math.max(0, Math.min(100, percent ?? 0));
    return el('div', { class: 'progress', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': p.toFixed(1), 'aria-label': label },
      el('span', { class: cls, style: `width:${p}%` }));
  }
  function facts(list) {
    return el('dl', { class: 'facts' }, list.map(([label, value, attrs]) => el('div', attrs || {}, el('dt', {}, label),
      el('dd', {}, value === null || value === undefined || value === '' ? '–' : value))));
  }
  function markLoaded(panel) {
    panel.dataset.loaded = String((Number(panel.dataset.loaded) || 0) + 1);
    panel.dataset.loading = 'false';
  }
  function ensureChartDefaults() {
    if (!window.Chart) return false;
    Chart.defaults.font.family = getComputedStyle(document.documentElement).fontFamily;
    Chart.defaults.color = '#5f6b7c';
    return true;
  }
  function needTeam(panel, what) {
    put(panel, el('section', { class: 'card' }, empty(`Pick a team (top right) to see its ${what}: they belong to one team.`, 'pick-team')));
  }

  // ---------- alerts & health ----------
  let alertMetricUnits = null;
  const canWrite = () => D.state.session.is_admin || D.state.session.scopes.includes('alerts:write');
  const writeRefusal = () => `Acknowledging and resolving need a key with the alerts:write scope; this session's key has ${D.state.session.scopes.join(', ')}.`;
  function unitOf(metric) {
    const u = alertMetricUnits?.[metric];
    return { percent: ' %', seconds: ' s', milliseconds: ' ms' }[u] ?? (u ? ` ${u}` : '');
  }
  const valueText = (v, metric) => (v === null || v === undefined ? '–' : `${fmtNum(v)}${unitOf(metric)}`);

  function buildAlerts(panel) {
    put(panel, 
      el('section', { class: 'grid' }, card('active-alerts', 'Active alerts')),
      el('section', { class: 'grid two' }, card('alert-history', 'Recent alert history'), card('alert-rules', 'Alert rules')),
      el('section', { class: 'grid two' }, card('system-health', 'Herald process health'), card('database-health', 'Database')));
    const hint = el('p', { class: 'hint small' }, 'Rules are read-only here: add or change one with ',
      el('code', {}, 'POST /api/v1/alerts/rules'), ' or ', el('code', {}, 'PUT /api/v1/alerts/rules/{rule_id}'),
      ' (a key with alerts:write; see the README’s Alerts section).');
    $('#alert-rules').append(hint);
  }

  async function loadAlerts(panel) {
    if (!panel.dataset.built) { buildAlerts(panel); panel.dataset.built = 'true'; }
    const team = D.team();
    const perTeam = team
      ? [loadCard('active-alerts', () => loadActiveAlerts()), loadCard('alert-history', () => loadHistory()), loadCard('alert-rules', () => loadRules())]
      : ['active-alerts', 'alert-history', 'alert-rules'].map((id) => { put(body(id), empty('Pick a team (top right) to see its alerts and rules.', 'pick-team')); cardError(id, null); note(id, ''); return null; });
    await Promise.all([...perTeam, loadCard('system-health', loadSystem), loadCard('database-health', loadDatabase)]);
  }

  async function loadUnits() {
    if (alertMetricUnits) return;
    const metrics = await api('/api/v1/alerts/metrics');
    alertMetricUnits = Object.fromEntries(metrics.map((m) => [m.name, m.unit]));
  }

  async function loadActiveAlerts() {
    const [alerts] = await Promise.all([api('/api/v1/alerts', D.teamParams()), loadUnits()]);
    const target = body('active-alerts');
    const firing = alerts.filter((a) => a.state === 'firing').length;
    note('active-alerts', `${firing} firing · ${alerts.length - firing} pending · rules are evaluated every 15 s`);
    const writable = canWrite();
    const parts = [];
    if (!writable) parts.push(el('p', { class: 'note', id: 'alerts-readonly' }, writeRefusal()));
    if (alerts.length === 0) {
      parts.push(empty('No active alerts: every rule’s condition holds within its threshold.', 'no-active-alerts'));
      put(target, ...parts);
      return;
    }
    alerts.sort((a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity) || (a.pending_since < b.pending_since ? 1 : -1));
    const rows = alerts.map((a) => {
      const since = a.fired_at || a.pending_since;
      const acknowledged = Boolean(a.acknowledged_at);
      const reason = writable ? null : writeRefusal();
      const ack = el('button', {
        type: 'button', class: 'action', 'data-action': 'acknowledge', disabled: !writable || acknowledged,
        title: reason || (acknowledged ? 'Already acknowledged' : 'Acknowledge: stops the hourly reminders'),
        'aria-label': `Acknowledge alert ${a.rule_name}`, 'aria-describedby': writable ? null : 'alerts-readonly',
        onclick: (ev) => act(ev.currentTarget, a, 'acknowledge'),
      }, acknowledged ? 'Acknowledged' : 'Acknowledge');
      const resolve = el('button', {
        type: 'button', class: 'action', 'data-action': 'resolve', disabled: !writable,
        title: reason || 'Resolve by hand (notifies the resolution; a condition that still holds opens a new alert)',
        'aria-label': `Resolve alert ${a.rule_name}`, 'aria-describedby': writable ? null : 'alerts-readonly',
        onclick: (ev) => act(ev.currentTarget, a, 'resolve'),
      }, 'Resolve');
      return el('tr', { dataset: { alertId: a.id, state: a.state, rule: a.rule_id, acknowledged: String(acknowledged) } },
        el('td', {}, el('b', {}, a.rule_name), el('span', { class: 'desc' }, `${a.rule_id} · ${a.metric_name}`), el('span', { class: 'desc' }, a.message)),
        el('td', {}, el('span', { class: 'sev-badge', dataset: { severity: a.severity } }, a.severity)),
        el('td', {}, el('span', { class: 'state-badge', dataset: { state: a.state } }, a.state),
          acknowledged ? el('span', { class: 'desc' }, `acknowledged by ${a.acknowledged_by || '?'} ${fmtAgo(a.acknowledged_at)}`) : null),
        el('td', { class: 'num' },
          el('span', { class: 'value', dataset: { value: a.current_value ?? '' } }, valueText(a.current_value, a.metric_name)),
          el('span', { class: 'desc' }, 'threshold ', el('span', { class: 'threshold', dataset: { threshold: a.threshold } }, `${CONDITION[a.condition] || a.condition} ${valueText(a.threshold, a.metric_name)}`)),
          a.sample_size !== null && a.sample_size !== undefined ? el('span', { class: 'desc' }, `sample of ${fmt.int(a.sample_size)} items`) : null),
        el('td', {}, timeEl(since), el('span', { class: 'desc' }, a.fired_at ? 'firing since' : 'pending since')),
        el('td', { class: 'incident' }, ...incidentCells(a.incident)),
        el('td', { class: 'actions' }, ack, resolve));
    });
    parts.push(table([['Rule'], ['Severity'], ['State'], ['Value vs threshold', 'num'], ['Since'], ['Response'], ['Actions']], rows, { id: 'active-alerts-table' }));
    put(target, ...parts);
  }

  // The alert against its severity's response target, and how far its rule's escalation path went.
  function incidentCells(i) {
    if (!i) return [];
    const target = el('span', { class: 'response-target', dataset: { overdue: String(i.overdue) } },
      i.overdue ? `overdue: target ${i.response_target}` : `target ${i.response_target}`);
    const by = i.respond_by ? el('span', { class: 'desc' }, i.acknowledged_within_target === null ? 'respond by ' : 'was due ', timeEl(i.respond_by, fullTime(i.respond_by))) : null;
    let path = null;
    if (i.escalation_path.length > 0) {
      const reached = i.escalated_to.length ? `escalated to ${i.escalated_to.join(' → ')}` : 'not escalated';
      const next = i.next_escalation_channel ? `; next ${i.next_escalation_channel} at ${fullTime(i.next_escalation_at)}` : '';
      path = el('span', { class: 'desc escalation', dataset: { level: String(i.escalation_level) } },
        `${reached} (${i.escalation_level} of ${i.escalation_path.length})${next}`);
    }
    return [target, by, path];
  }

  async function act(button, alert, action) {
    const row = button.closest('tr');
    row.querySelectorAll('button').forEach((b) => { b.disabled = true; });
    button.textContent = action === 'acknowledge' ? 'Acknowledging…' : 'Resolving…';
    try {
      await apiSend('POST', `/api/v1/alerts/${encodeURIComponent(alert.id)}/${action}`, D.teamParams());
      cardError('active-alerts', null);
    } catch (e) {
      const p = $('#active-alerts .card-error');
      p.textContent = `Could not ${action} “${alert.rule_name}”: ${e.message}`;
      p.hidden = false;
      p.dataset.action = action;
    }
    await Promise.all([loadCard('alert-history', loadHistory), loadActiveAlertsKeepingError()]);
  }
  async function loadActiveAlertsKeepingError() {
    try { await loadActiveAlerts(); } catch (e) { cardError('active-alerts', e); }
  }

  async function loadHistory() {
    const [history] = await Promise.all([api('/api/v1/alerts/history', D.teamParams({ limit: 20 })), loadUnits()]);
    note('alert-history', history.length ? `last ${history.length} that fired` : '');
    if (history.length === 0) { put(body('alert-history'), empty('No alert has fired yet.', 'no-alert-history')); return; }
    const rows = history.map((a) => el('tr', { dataset: { alertId: a.id, state: a.state } },
      el('td', {}, el('b', {}, a.rule_name), el('span', { class: 'desc' }, a.rule_id)),
      el('td', {}, el('span', { class: 'sev-badge', dataset: { severity: a.severity } }, a.severity)),
      el('td', {}, timeEl(a.fired_at, a.fired_at ? fmt.full.format(new Date(a.fired_at)) : null)),
      el('td', {}, a.resolved_at ? el('span', {}, timeEl(a.resolved_at), el('span', { class: 'desc' }, a.resolution || '')) : el('span', { class: 'state-badge', dataset: { state: a.state } }, a.state)),
      el('td', { class: 'num' }, valueText(a.current_value, a.metric_name))));
    put(body('alert-history'), table([['Rule'], ['Severity'], ['Fired (UTC)'], ['Resolved'], ['Last value', 'num']], rows, { id: 'alert-history-table' }));
  }

  async function loadRules() {
    const [rules] = await Promise.all([api('/api/v1/alerts/rules', D.teamParams()), loadUnits()]);
    note('alert-rules', `${rules.filter((r) => r.enabled).length} of ${rules.length} enabled`);
    if (rules.length === 0) { put(body('alert-rules'), empty('This team has no alert rules.', 'no-rules')); return; }
    const rows = rules.map((r) => {
      const filters = Object.entries(r.filters || {}).map(([k, v]) => `${k}=${[].concat(v).join(',')}`).join(' ');
      return el('tr', { class: r.enabled ? '' : 'disabled-row', dataset: { rule: r.rule_id } },
        el('td', {}, el('b', {}, r.rule_name), el('span', { class: 'desc' }, `${r.rule_id}${r.is_default ? ' · built-in' : ''}${r.enabled ? '' : ' · disabled'}`)),
        el('td', {}, el('code', {}, r.metric_name), filters ? el('span', { class: 'desc' }, filters) : null),
        el('td', { class: 'num' }, `${CONDITION[r.condition] || r.condition} ${valueText(r.threshold, r.metric_name)}`,
          r.min_volume ? el('span', { class: 'desc' }, `min volume ${fmt.int(r.min_volume)}`) : null),
        el('td', { class: 'num' }, r.duration === 0 ? 'at once' : fmt.seconds(r.duration)),
        el('td', {}, el('span', { class: 'sev-badge', dataset: { severity: r.severity } }, r.severity)));
    });
    put(body('alert-rules'), table([['Rule'], ['Metric'], ['Condition', 'num'], ['Holds for', 'num'], ['Severity']], rows, { id: 'alert-rules-table' }));
  }

  /** /healthz answers without the envelope (and 503 when the store is unreachable). */
  async function healthz() {
    const response = await fetch('/healthz', { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    let data = null;
    try { data = await response.json(); } catch { /* not JSON */ }
    if (!data) throw new D.ApiError(response.status, `${response.status} ${response.statusText}`);
    return data;
  }

  function gauge(name, label, percent, text, warnAt, sub) {
    const level = percent === null || percent === undefined ? 'unknown' : percent >= warnAt ? 'bad' : percent >= warnAt * 0.8 ? 'warn' : 'good';
    return el('div', { class: 'gauge', dataset: { metric: name, level, value: percent ?? '' } },
      el('div', { class: 'gauge-head' }, el('span', { class: 'gauge-label' }, label), el('span', { class: 'gauge-value' }, text)),
      el('div', { class: 'progress', role: 'meter', 'aria-label': label, 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': (percent ?? 0).toFixed(1) },
        el('span', { class: `b-${level}`, style: `width:${Math.max(0, Math.min(100, percent ?? 0))}%` })),
      el('span', { class: 'desc' }, sub || `alert rule above ${warnAt} %`));
  }

  async function loadSystem() {
    const [health, s] = await Promise.all([healthz(), api('/api/v1/analytics/metrics/system')]);
    note('system-health', `sampled ${fmt.hm.format(new Date(s.timestamp))} UTC · up ${fmt.uptime(Math.round(s.uptime_seconds))}`);
    const req = s.requests;
    put(body('system-health'), 
      el('p', { class: 'health-line' }, 'Health check ', el('code', {}, '/healthz'), ' ',
        el('span', { class: 'health-badge', id: 'healthz-status', dataset: { status: health.status === 'ok' ? 'healthy' : health.status === 'degraded' ? 'degraded' : 'down' } }, health.status),
        health.error ? el('span', { class: 'desc' }, health.error) : null),
      el('div', { class: 'gauges' },
        gauge('cpu', 'CPU', s.cpu_usage_percent, fmt.pct(s.cpu_usage_percent), 80, `of ${s.processor_count} cores · alert above 80 %`),
        gauge('memory', 'Memory', s.memory_usage_percent, fmt.pct(s.memory_usage_percent), 85, `${fmtBytes(s.memory_rss_bytes)} of ${fmtBytes(s.memory_limit_bytes)} · alert above 85 %`),
        gauge('disk', 'Disk', s.disk_usage_percent, fmt.pct(s.disk_usage_percent), 90, `${fmtBytes(s.disk_free_bytes)} free · alert above 90 %`),
        gauge('errors', 'HTTP error rate', req.error_rate_percent, fmt.pct(req.error_rate_percent), 5, `5xx of ${fmt.int(req.last_five_minutes)} requests in 5 min`)),
      facts([
        ['Queue depth', fmt.int(s.queue_depth), { dataset: { fact: 'queue_depth', value: s.queue_depth } }],
        ['Events written', fmt.int(s.events_written)],
        ['Events / s', fmt.rate(s.events_per_second)],
        ['API p95 (5 min)', req.p95_ms === null ? '–' : `${fmtNum(req.p95_ms, 1)} ms`],
        ['Requests in flight', fmt.int(s.active_connections)],
        ['GC heap', fmtBytes(s.gc_heap_bytes)],
      ]));
  }

  async function loadDatabase() {
    const s = await api('/api/v1/analytics/metrics/system');
    const parts = [facts([
      ['Database file', fmtBytes(s.database_bytes), { dataset: { fact: 'database_bytes', value: s.database_bytes } }],
      ['Write-ahead log', fmtBytes(s.wal_bytes)],
      ['Cache hit rate', s.cache.map((c) => `${c.tier} ${fmt.pct(c.hit_rate_percent)}`).join(' · ')],
    ])];
    if (!D.state.session.is_admin) {
      parts.push(el('p', { class: 'hint small' }, 'Row counts, retention horizons and the last maintenance run need an admin key (',
        el('code', {}, 'GET /api/v1/admin/database'), ').'));
      note('database-health', 'SQLite');
      put(body('database-health'), ...parts);
      return;
    }
    const db = await api('/api/v1/admin/database');
    note('database-health', `SQLite · ${fmt.int(db.page_count)} pages of ${fmtBytes(db.page_size)}, ${fmt.int(db.free_pages)} free`);
    const tables = Object.entries(db.tables).sort((a, b) => b[1] - a[1]);
    parts.push(table([['Table'], ['Rows', 'num']], tables.map(([name, rows]) => el('tr', { dataset: { table: name } }, el('td', {}, el('code', {}, name)), el('td', { class: 'num' }, fmt.int(rows)))), { id: 'database-tables' }));
    parts.push(el('h3', { class: 'subhead' }, 'Retention'),
      table([['Data'], ['Kept'], ['Horizon']], db.retention.map((r) => el('tr', {}, el('td', {}, r.data), el('td', {}, r.retention ?? 'forever'), el('td', {}, r.horizon ? fullTime(r.horizon) : '–')))),
      el('p', { class: 'muted small' }, db.last_maintenance
        ? `Last maintenance ${fmtAgo(db.last_maintenance.finished_at)}${db.last_maintenance.error ? ` — failed: ${db.last_maintenance.error}` : ''}`
        : 'No maintenance run yet (the first runs 5 minutes after start).'));
    put(body('database-health'), ...parts);
  }

  // ---------- campaigns ----------
  let selectedCampaign = null;
  const reports = new Map();

  function buildCampaigns(panel) {
    put(panel, 
      el('section', { class: 'grid' }, card('campaign-list', 'Campaigns')),
      el('section', { class: 'grid campaign-row' }, card('campaign-detail', 'Campaign detail'), card('campaign-ranking', 'Best and worst by delivery rate')));
    put(body('campaign-detail'), empty('Select a campaign to see its status breakdown, timing and top errors.', 'campaign-detail-empty'));
    $('#campaign-detail').setAttribute('aria-live', 'polite');
  }

  async function loadCampaigns(panel) {
    if (!D.team()) { delete panel.dataset.built; needTeam(panel, 'campaigns'); return; }
    if (!panel.dataset.built) { buildCampaigns(panel); panel.dataset.built = 'true'; }
    reports.clear();
    await Promise.all([loadCard('campaign-list', loadCampaignList), loadCard('campaign-ranking', loadRanking)]);
    if (selectedCampaign) await loadCard('campaign-detail', () => showCampaign(selectedCampaign));
  }

  /** Items per second, per minute or per hour, whichever reads as a number above 1. */
  function rateText(r) {
    if (r === null || r === undefined) return '–';
    if (r === 0 || r >= 1) return `${fmt.rate(r)} /s`;
    return r * 60 >= 1 ? `${fmt.rate(r * 60)} /min` : `${fmt.rate(r * 3600)} /h`;
  }
  function etaText(report) {
    if (!report) return '…';
    if (report.remaining === 0) return 'done';
    if (!report.estimated_completion) return report.remaining === null ? '–' : 'no recent sends';
    return el('time', { datetime: report.estimated_completion, title: fullTime(report.estimated_completion) }, fmt.full.format(new Date(report.estimated_completion)));
  }

  async function loadCampaignList() {
    const list = await api('/api/v1/campaigns', D.teamParams());
    const target = body('campaign-list');
    const inProgress = list.filter((c) => c.remaining > 0).length;
    note('campaign-list', list.length ? `${list.length} declared or seen in 30 days · ${inProgress} in progress` : '');
    if (list.length === 0) {
      put(target, empty('No campaigns yet. Declare one with PUT /api/v1/campaigns/{id} (its total recipients), or send events with a campaign.', 'no-campaigns'));
      return;
    }
    // In progress first, then the rest; most processed first within each.
    const sorted = [...list].sort((a, b) => (b.remaining > 0) - (a.remaining > 0) || b.processed - a.processed || a.campaign_id.localeCompare(b.campaign_id));
    const rows = sorted.map((c) => {
      const open = () => selectCampaign(c.campaign_id);
      return el('tr', {
        class: `clickable ${selectedCampaign === c.campaign_id ? 'selected' : ''}`, tabindex: 0, dataset: { campaign: c.campaign_id },
        'aria-label': `Open campaign ${c.campaign_name}`, onclick: open, onkeydown: (ev) => { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); open(); } },
      },
      el('td', { class: 'key-cell' }, el('b', { class: 'key' }, c.campaign_name), el('span', { class: 'desc' }, c.campaign_id === c.campaign_name ? (c.declared ? 'declared' : 'seen in events') : `${c.campaign_id} · ${c.declared ? 'declared' : 'seen'}`)),
      el('td', { class: 'progress-cell', dataset: { progress: c.progress_percentage ?? '' } },
        c.progress_percentage === null ? el('span', { class: 'muted small' }, 'not declared: no total') : [
          bar(c.progress_percentage, c.remaining === 0 ? 'b-good' : 'b-accent', `Progress of ${c.campaign_name}`),
          el('span', { class: 'progress-text' }, fmt.pct(c.progress_percentage))]),
      el('td', { class: 'num', dataset: { processed: c.processed } }, fmt.int(c.processed), c.total_recipients !== null ? el('span', { class: 'desc' }, `of ${fmt.int(c.total_recipients)}`) : null),
      el('td', { class: 'num', dataset: { remaining: c.remaining ?? '' } }, c.remaining === null ? '–' : fmt.int(c.remaining)),
      el('td', { class: 'num send-rate' }, '…'),
      el('td', { class: 'eta' }, '…'),
      el('td', { class: 'num pct-good' }, fmt.pct(c.delivery_rate_percent)),
      el('td', { class: 'num pct-bad' }, fmt.pct(c.failure_rate_percent)));
    });
    put(target, table([['Campaign'], ['Progress'], ['Processed', 'num'], ['Remaining', 'num'], ['Send rate', 'num'], ['ETA (UTC)'], ['Delivered', 'num'], ['Failed', 'num']],
      rows, { id: 'campaigns-table' }));
    // Send rate and ETA come from each campaign's own report: a few at a time, the first 30 rows.
    const queue = sorted.slice(0, 30).map((c) => c.campaign_id);
    const worker = async () => {
      while (queue.length) {
        const id = queue.shift();
        const row = target.querySelector(`tr[data-campaign="${CSS.escape(id)}"]`);
        try {
          const report = await campaignReport(id);
          if (!row.isConnected) return;
          row.querySelector('.send-rate').dataset.rate = report.avg_send_rate_tps;
          put(row.querySelector('.send-rate'), rateText(report.avg_send_rate_tps), el('span', { class: 'desc' }, `now ${rateText(report.current_send_rate_tps)}`));
          put(row.querySelector('.eta'), etaText(report));
        } catch (e) {
          if (row.isConnected) put(row.querySelector('.eta'), el('span', { class: 'pct-bad small', title: e.message }, 'error'));
        }
      }
    };
    await Promise.all([worker(), worker(), worker()]);
    for (const row of target.querySelectorAll('td.send-rate')) if (row.textContent === '…') row.textContent = 'open for details';
  }

  async function campaignReport(id) {
    if (!reports.has(id)) reports.set(id, api(`/api/v1/analytics/metrics/campaigns/${encodeURIComponent(id)}`, D.teamParams()));
    try {
      return await reports.get(id);
    } catch (e) {
      reports.delete(id);
      throw e;
    }
  }

  async function selectCampaign(id) {
    selectedCampaign = id;
    for (const row of document.querySelectorAll('#campaigns-table tbody tr')) row.classList.toggle('selected', row.dataset.campaign === id);
    await loadCard('campaign-detail', () => showCampaign(id));
  }

  async function showCampaign(id) {
    const r = await campaignReport(id);
    note('campaign-detail', r.campaign_name);
    const statuses = Object.entries(r.status_breakdown).sort((a, b) => b[1] - a[1]);
    const max = Math.max(1, ...statuses.map((s) => s[1]));
    const t = r.timing_analysis;
    const timing = [['fastest', t.fastest_delivery_seconds], ['average', t.average_delivery_seconds], ['p50', t.p50],
      ['p75', t.p75], ['p90', t.p90], ['p95', t.p95], ['slowest', t.slowest_delivery_seconds]];
    put(body('campaign-detail'), el('div', { id: 'campaign-report', dataset: { campaign: r.campaign_id } },
      r.progress_percentage === null ? null : el('div', { class: 'detail-progress' }, bar(r.progress_percentage, r.remaining === 0 ? 'b-good' : 'b-accent', `Progress of ${r.campaign_name}`),
        el('span', {}, `${fmt.pct(r.progress_percentage)} · ${fmt.int(r.processed)} of ${fmt.int(r.total_recipients)} · ${fmt.int(r.remaining)} remaining`)),
      facts([
        ['Processed', fmt.int(r.processed)],
        ['Delivered', `${fmt.int(r.delivered)} (${fmt.pct(r.delivery_rate_percent)})`],
        ['Failed', `${fmt.int(r.failed)} (${fmt.pct(r.failure_rate_percent)})`],
        ['Pending', fmt.int(r.pending)],
        ['Average send rate', rateText(r.avg_send_rate_tps)],
        ['Last 10 min', rateText(r.current_send_rate_tps)],
        ['ETA', etaText(r)],
        ['First activity', r.first_activity ? fullTime(r.first_activity) : null],
        ['Last activity', r.last_activity ? fullTime(r.last_activity) : null],
        ['Duration', r.execution_duration_minutes === null ? null : fmt.seconds(r.execution_duration_minutes * 60)],
        ['Events', fmt.int(r.events)],
        ['Cost', r.cost ? r.cost.toFixed(4) : null],
      ]),
      el('div', { class: 'grid two tight' },
        el('div', {}, el('h3', { class: 'subhead' }, 'Status breakdown'),
          statuses.length === 0 ? empty('No items yet.') : table([['Status'], ['Items', 'num']], statuses.map(([status, n]) => el('tr', { dataset: { status } },
            el('td', { class: 'key-cell' }, el('span', { class: 'key' }, status), el('div', { class: 'bar', style: `width:${Math.max((n / max) * 100, 2)}%` }, el('span', { class: 'b-accent', style: 'width:100%' }))),
            el('td', { class: 'num' }, fmt.int(n)))), { id: 'campaign-statuses' })),
        el('div', {}, el('h3', { class: 'subhead' }, 'Delivery timing (send → delivered)'),
          t.p50 === null ? empty('Nothing delivered yet.') : table([['Measure'], ['Time', 'num']], timing.map(([k, v]) => el('tr', { dataset: { measure: k, value: v ?? '' } }, el('td', {}, k), el('td', { class: 'num' }, fmt.seconds(v)))), { id: 'campaign-timing' }))),
      el('h3', { class: 'subhead' }, 'Top errors'),
      r.error_breakdown.length === 0 ? empty('No failures with an error code.', 'campaign-no-errors') : table([['Code'], ['Category'], ['Count', 'num'], ['What to do']],
        r.error_breakdown.map((e) => el('tr', { dataset: { code: e.code } }, el('td', {}, el('span', { class: 'code-link' }, e.code)),
          el('td', {}, el('span', { class: 'cat' }, String(e.category).replace(/_/g, ' ')), el('span', { class: 'desc' }, e.description)),
          el('td', { class: 'num' }, fmt.int(e.count)), el('td', { class: 'resolution' }, e.resolution))), { id: 'campaign-errors' })));
  }

  async function loadRanking() {
    const r = await api('/api/v1/analytics/campaigns/ranking', D.teamParams({ min_items: 10, limit: 5 }));
    note('campaign-ranking', `campaigns with at least ${r.min_items} items`);
    if (r.best.length === 0) { put(body('campaign-ranking'), empty(`No campaign has ${r.min_items} items yet.`, 'no-ranking')); return; }
    const list = (items, cls, id) => el('ol', { class: 'ranking', id }, items.map((c) => el('li', { dataset: { campaign: c.campaign_id } },
      el('button', { type: 'button', class: 'link-button', onclick: () => selectCampaign(c.campaign_id) }, c.campaign_name),
      el('span', { class: `num ${cls}` }, fmt.pct(c.delivery_rate_percent)), el('span', { class: 'desc' }, `${fmt.int(c.processed)} items`))));
    put(body('campaign-ranking'), el('h3', { class: 'subhead' }, 'Best'), list(r.best, 'pct-good', 'ranking-best'),
      el('h3', { class: 'subhead' }, 'Worst'), list(r.worst, 'pct-bad', 'ranking-worst'));
  }

  // ---------- trends & forecast ----------
  const TREND_METRICS = [['message_volume', 'Events'], ['items', 'Items'], ['delivery_rate', 'Delivery rate %'], ['failure_rate', 'Failure rate %'], ['latency_p95', 'Latency p95 (s)'], ['cost', 'Cost']];
  const TREND_WINDOWS = [[6, '6 h'], [24, '24 h'], [72, '3 d'], [168, '7 d']];
  const trend = { metric: 'message_volume', hours: 24, granularity: 'hour', horizon: '24h' };

  function segmented(name, label, options, current, onPick) {
    return el('div', { class: 'segmented', role: 'group', 'aria-label': label, dataset: { control: name } }, options.map(([value, text, disabled]) =>
      el('button', { type: 'button', class: String(value) === String(current) ? 'active' : '', 'aria-pressed': String(String(value) === String(current)), disabled: Boolean(disabled), dataset: { value }, onclick: () => onPick(value) }, text)));
  }

  function buildTrends(panel) {
    put(panel, 
      el('section', { class: 'grid' }, card('trend-card', 'Trend',
        el('div', { class: 'chart' }, el('canvas', { id: 'chart-trend', role: 'img', 'aria-label': 'The chosen metric over time' })))),
      el('section', { class: 'grid two' },
        card('forecast-card', 'Volume forecast',
          el('div', { class: 'chart' }, el('canvas', { id: 'chart-forecast', role: 'img', 'aria-label': 'Forecast events per hour with the 95 % prediction interval' }))),
        el('div', { class: 'stack' }, card('anomaly-card', 'Anomaly score'), card('capacity-card', 'Capacity'))));
    $('#trend-card .card-head').after(el('div', { class: 'controls', id: 'trend-controls' }));
    $('#forecast-card .card-head').after(el('div', { class: 'controls', id: 'forecast-controls' }));
  }

  function renderTrendControls() {
    const select = el('select', { id: 'trend-metric', 'aria-label': 'Metric', onchange: (ev) => { trend.metric = ev.target.value; loadTrendCard(); } },
      TREND_METRICS.map(([v, t]) => el('option', { value: v, selected: v === trend.metric }, t)));
    put($('#trend-controls'), 
      el('label', { class: 'control' }, el('span', { class: 'muted small' }, 'Metric'), select),
      segmented('hours', 'Window', TREND_WINDOWS, trend.hours, (v) => { trend.hours = Number(v); if (trend.hours > 24 && trend.granularity === 'minute') trend.granularity = 'hour'; renderTrendControls(); loadTrendCard(); }),
      segmented('granularity', 'Granularity', [['minute', 'per minute', trend.hours > 24], ['hour', 'per hour'], ['day', 'per day']], trend.granularity,
        (v) => { trend.granularity = v; renderTrendControls(); loadTrendCard(); }),
      D.state.filters.length ? el('span', { class: 'muted small' }, `filtered by ${D.state.filters.map((f) => `${f.dim}=${f.value}`).join(', ')} (overview’s filters)`) : null);
    put($('#forecast-controls'), segmented('horizon', 'Forecast horizon', [['24h', 'next 24 h'], ['7d', 'next 7 d']], trend.horizon,
      (v) => { trend.horizon = v; renderTrendControls(); loadCard('forecast-card', loadForecast); }));
  }

  async function loadTrends(panel) {
    if (!panel.dataset.built) { buildTrends(panel); panel.dataset.built = 'true'; }
    renderTrendControls();
    await Promise.all([loadTrendCard(), loadCard('forecast-card', loadForecast)]);
  }

  function loadTrendCard() {
    return loadCard('trend-card', async () => {
      const data = await api('/api/v1/analytics/trends/messages', D.scopeParams({ metric: trend.metric, hours: trend.hours, granularity: trend.granularity }));
      drawTrend(data);
    });
  }

  function drawTrend(data) {
    const s = data.statistics;
    const arrow = { up: '↑', down: '↓', stable: '→' }[data.trend.direction] || '';
    const label = TREND_METRICS.find((m) => m[0] === data.metric_name)?.[1] || data.metric_name;
    note('trend-card', `${label} · per ${data.granularity} · last ${data.hours} h (UTC)`);
    const stats = el('dl', { class: 'stats', id: 'trend-stats', dataset: { direction: data.trend.direction } },
      [['min', s.min_value], ['max', s.max_value], ['avg', s.avg_value], ['std dev', s.std_dev]].map(([k, v]) =>
        el('div', { dataset: { stat: k, value: v } }, el('dt', {}, k), el('dd', {}, fmtNum(v)))),
      el('div', { dataset: { stat: 'direction' } }, el('dt', {}, 'direction'),
        el('dd', { class: `direction ${data.trend.direction}` }, `${arrow} ${data.trend.direction} (${data.trend.percentage > 0 ? '+' : ''}${fmtNum(data.trend.percentage, 1)} %)`)));
    put(body('trend-card'), stats, data.data_points.length === 0 ? empty('No points in this window.') : null);
    if (!ensureChartDefaults()) return;
    const labels = data.data_points.map((p) => D.fmt.bucketLabel(p.timestamp, data.granularity));
    const values = data.data_points.map((p) => p.value);
    const bars = data.metric_name === 'message_volume' || data.metric_name === 'items' || data.metric_name === 'cost';
    if (charts.trend) charts.trend.destroy();
    charts.trend = new Chart($('#chart-trend'), {
      type: bars ? 'bar' : 'line',
      data: {
        labels,
        datasets: [
          { label, data: values, borderColor: COLORS.accent, backgroundColor: bars ? 'rgba(59,110,245,.55)' : COLORS.accent, borderRadius: 3, pointRadius: 2, tension: 0.25 },
          { type: 'line', label: 'average', data: values.map(() => s.avg_value), borderColor: '#94a3b8', borderDash: [5, 4], pointRadius: 0, borderWidth: 1.5 },
        ],
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false, interaction: { mode: 'index', intersect: false },
        plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } },
          tooltip: { callbacks: { title: (items) => (items.length ? fullTime(data.data_points[items[0].dataIndex].timestamp) : '') } } },
        scales: { x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 12 } }, y: { beginAtZero: true, title: { display: true, text: label } } },
      },
    });
    charts.trend.$apiPoints = data.data_points;
  }

  async function loadForecast() {
    const [p, actual] = await Promise.all([
      api('/api/v1/analytics/predictions/message-volume', D.scopeParams({ hours_ahead: trend.horizon === '7d' ? 168 : 24 })),
      trend.horizon === '24h' ? api('/api/v1/analytics/trends/messages', D.scopeParams({ metric: 'message_volume', hours: 24, granularity: 'hour' })) : null,
    ]);
    note('forecast-card', `${p.model} · ${fmtNum(p.confidence_percent, 1)} % confidence · ${fmt.int(p.history_hours)} h of history`);
    put(body('forecast-card'), 
      facts([
        ['Events in the last complete hour', fmtNum(p.current_value)],
        [`Forecast, hour ending ${fmt.day.format(new Date(p.prediction_timestamp))}, ${fmt.hm.format(new Date(p.prediction_timestamp))}`, fmtNum(p.predicted_value)],
        ['Back-test error (WAPE)', p.backtest_wape_percent === null ? 'not enough history' : fmt.pct(p.backtest_wape_percent)],
      ]),
      p.history_hours === 0 ? empty('No traffic yet: the forecast is zero until there is history.', 'forecast-no-history') : null);
    drawForecast(p, actual);
    drawAnomaly(p.anomaly_detection);
    drawCapacity(p.capacity);
  }

  function drawForecast(p, actual) {
    if (!ensureChartDefaults()) return;
    if (charts.forecast) charts.forecast.destroy();
    const canvas = $('#chart-forecast');
    const common = { responsive: true, maintainAspectRatio: false, animation: false, interaction: { mode: 'index', intersect: false } };
    if (trend.horizon === '7d') {
      const start = new Date(p.prediction_intervals[0]?.timestamp || Date.now());
      const labels = p.forecast_7d.map((_, i) => fmt.day.format(new Date(start.getTime() + i * 86400000)));
      canvas.setAttribute('aria-label', 'Forecast events per day for the next 7 days');
      charts.forecast = new Chart(canvas, {
        type: 'bar',
        data: { labels, datasets: [{ label: 'forecast events per day', data: p.forecast_7d, backgroundColor: 'rgba(124,77,255,.55)', borderRadius: 3 }] },
        options: { ...common, plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } } }, scales: { x: { grid: { display: false } }, y: { beginAtZero: true, title: { display: true, text: 'events per day' } } } },
      });
      charts.forecast.$forecast = p.forecast_7d;
      return;
    }
    canvas.setAttribute('aria-label', 'Events per hour: the last 24 hours and the forecast of the next 24 with its 95 % prediction interval');
    const past = (actual?.data_points || []).filter((x) => x.timestamp < (p.prediction_intervals[0]?.timestamp || '9'));
    const times = [...past.map((x) => x.timestamp), ...p.prediction_intervals.map((x) => x.timestamp)];
    const labels = times.map((t) => D.fmt.bucketLabel(t, 'hour'));
    const pad = (n) => Array(n).fill(null);
    const f = p.prediction_intervals;
    charts.forecast = new Chart(canvas, {
      type: 'line',
      data: {
        labels,
        datasets: [
          { label: 'actual', data: [...past.map((x) => x.value), ...pad(f.length)], borderColor: COLORS.accent, backgroundColor: COLORS.accent, pointRadius: 1.5, tension: 0.25 },
          { label: 'forecast', data: [...pad(past.length), ...f.map((x) => x.value)], borderColor: '#7c4dff', backgroundColor: '#7c4dff', borderDash: [6, 4], pointRadius: 1.5, tension: 0.25 },
          { label: '95 % interval', data: [...pad(past.length), ...f.map((x) => x.upper)], borderWidth: 0, pointRadius: 0, backgroundColor: 'rgba(124,77,255,.16)', fill: '+1' },
          { label: 'lower', data: [...pad(past.length), ...f.map((x) => x.lower)], borderWidth: 0, pointRadius: 0, fill: false },
        ],
      },
      options: {
        ...common,
        plugins: {
          legend: { position: 'bottom', labels: { boxWidth: 12, filter: (item) => item.text !== 'lower' } },
          tooltip: { filter: (item) => item.dataset.label !== 'lower', callbacks: { title: (items) => (items.length ? fullTime(times[items[0].dataIndex]) : '') } },
          filler: { propagate: false },
        },
        scales: { x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 12 } }, y: { beginAtZero: true, title: { display: true, text: 'events per hour' } } },
      },
    });
    charts.forecast.$forecast = f;
  }

  function drawAnomaly(a) {
    const score = a.anomaly_score * 100;
    note('anomaly-card', `hour of ${fmt.hm.format(new Date(a.hour))} UTC`);
    put(body('anomaly-card'), 
      el('div', { class: 'anomaly', id: 'anomaly', dataset: { anomaly: String(a.is_anomaly), score: a.anomaly_score } },
        el('span', { class: 'health-badge', dataset: { status: a.is_anomaly ? 'critical' : 'healthy' } }, a.is_anomaly ? 'anomaly' : 'normal'),
        el('span', { class: 'anomaly-score' }, `score ${fmtNum(a.anomaly_score, 3)}`)),
      bar(score, a.is_anomaly ? 'b-bad' : score > 80 ? 'b-warn' : 'b-good', 'Anomaly score'),
      el('p', { class: 'small' }, `The last complete hour had ${fmtNum(a.actual_value)} events against ${fmtNum(a.expected_value)} expected. `,
        el('span', { class: 'muted' }, 'The score is 2Φ(|z|) − 1 of the forecast error; beyond three standard deviations it is an anomaly.')));
  }

  function drawCapacity(c) {
    note('capacity-card', c.peak_at ? `peak ${fmt.full.format(new Date(c.peak_at))} UTC` : '');
    put(body('capacity-card'), 
      facts([
        ['Forecast peak (upper bound)', `${fmt.rate(c.peak_forecast_events_per_second)} events/s`],
        ['Accounts’ TPS limits', c.tps_limit_total === null ? 'none set' : `${fmtNum(c.tps_limit_total)} /s`],
        ['Peak utilization', c.peak_utilization_percent === null ? '–' : fmt.pct(c.peak_utilization_percent)],
      ]),
      c.peak_utilization_percent === null ? null : bar(c.peak_utilization_percent, c.peak_utilization_percent > 90 ? 'b-bad' : c.peak_utilization_percent > 70 ? 'b-warn' : 'b-good', 'Peak utilization'),
      el('p', { class: 'advice', id: 'capacity-advice' }, c.recommendation));
  }

  // ---------- consent & compliance (the last 24 hours) ----------
  // A compliance status as a health badge: none over the limit is healthy, a few degraded, more critical.
  const STATUS_LEVEL = { excellent: 'healthy', good: 'degraded', poor: 'critical' };
  const rateLevel = (rate) => (rate >= 99.99 ? 'healthy' : rate >= 99 ? 'degraded' : 'critical');
  const pct2 = (p) => (p === null || p === undefined ? '–' : `${p.toFixed(2)} %`);
  const badge = (level, text, id) => el('span', { class: 'health-badge', id, dataset: { status: level } }, text);

  function buildCompliance(panel) {
    put(panel,
      el('section', { class: 'grid' }, card('compliance-card', 'Compliance, last 24 hours')),
      el('section', { class: 'grid two' },
        card('consent-card', 'Consent'),
        card('inbound-card', 'Inbound messages',
          el('div', { class: 'chart' }, el('canvas', { id: 'chart-inbound', role: 'img', 'aria-label': 'Inbound messages by hour of the day (UTC), last 24 hours' })))),
      el('section', { class: 'grid two' }, card('consent-examples', 'Sent to opted-out contacts'), card('quiet-examples', 'Sent inside quiet hours')),
      el('section', { class: 'grid' }, card('rate-limits', 'Rate limits by account')));
  }

  async function loadCompliance(panel) {
    if (!D.team()) { needTeam(panel, 'consent and compliance'); delete panel.dataset.built; return; }
    if (!panel.dataset.built) { buildCompliance(panel); panel.dataset.built = 'true'; }
    let report = null;
    await Promise.all([
      loadCard('compliance-card', async () => {
        report = await api('/api/v1/analytics/compliance', D.teamParams());
        drawCompliance(report);
      }),
      loadCard('consent-card', loadConsentCard),
      loadCard('inbound-card', loadInboundCard),
    ]);
    if (!report) return;
    drawConsentExamples(report.compliance_metrics.consent_verification);
    drawQuietExamples(report.compliance_metrics.quiet_hours_compliance);
    drawRateLimits(report.compliance_metrics.rate_limit_adherence);
  }

  function drawCompliance(r) {
    const m = r.compliance_metrics;
    const c = m.consent_verification, q = m.quiet_hours_compliance, l = m.rate_limit_adherence, a = m.audit_trail_completeness;
    note('compliance-card', `${fullTime(r.from)} – ${fullTime(r.to)}`);
    const tile = (id, title, level, headline, rows) => el('div', { class: 'compliance-tile', id, dataset: { level } },
      el('h3', {}, title, ' ', badge(level, level === 'healthy' ? 'ok' : level === 'degraded' ? 'check' : 'act')),
      el('p', { class: 'compliance-headline' }, headline), facts(rows));
    put(body('compliance-card'), el('div', { class: 'compliance-tiles' },
      tile('tile-consent', 'Consent', rateLevel(c.compliance_rate), `${pct2(c.compliance_rate)} verified`, [
        ['Messages sent', el('span', { dataset: { value: c.total_messages_sent } }, fmt.int(c.total_messages_sent))],
        ['To opted-out contacts', el('span', { dataset: { value: c.messages_to_opted_out_contacts } }, fmt.int(c.messages_to_opted_out_contacts))],
        ['Contacts affected', el('span', { dataset: { value: c.contacts_affected } }, fmt.int(c.contacts_affected))],
      ]),
      tile('tile-quiet', 'Quiet hours', rateLevel(q.compliance_rate), `${pct2(q.compliance_rate)} outside quiet hours`, [
        ['Inside quiet hours', el('span', { dataset: { value: q.messages_during_quiet_hours } }, fmt.int(q.messages_during_quiet_hours))],
        ['Team default', q.team_default.quiet_hours ? `${q.team_default.quiet_hours.start}–${q.team_default.quiet_hours.end} ${q.team_default.time_zone}` : `none (${q.team_default.time_zone})`],
        ['Contacts with their own', fmt.int(q.contacts_with_own_settings)],
      ]),
      tile('tile-rate', 'Rate limits', STATUS_LEVEL[l.compliance_status] || 'degraded', l.accounts_with_limits === 0 ? 'no account has a TPS limit' : `${l.compliance_status}`, [
        ['Minutes over a limit', el('span', { dataset: { value: l.rate_limit_violations } }, fmt.int(l.rate_limit_violations))],
        ['Average send rate', `${fmt.rate(l.average_send_rate)} /s`],
        ['Peak send rate', `${fmt.rate(l.peak_send_rate)} /s`],
      ]),
      tile('tile-audit', 'Audit trail', rateLevel(a.audit_coverage), `${pct2(a.audit_coverage)} of events with their raw record`, [
        ['Events logged', el('span', { dataset: { value: a.events_logged } }, fmt.int(a.events_logged))],
        ['Raw records gone', el('span', { dataset: { value: a.missing_audit_entries } }, fmt.int(a.missing_audit_entries))],
        ['Raw events kept from', a.raw_events_kept_from ? timeEl(a.raw_events_kept_from, fmt.full.format(new Date(a.raw_events_kept_from))) : 'forever'],
      ])));
  }

  async function loadConsentCard() {
    const s = await api('/api/v1/analytics/consent', D.teamParams());
    note('consent-card', 'from STOP / START / HELP keywords contacts sent');
    const known = s.contacts_with_consent;
    put(body('consent-card'),
      facts([
        ['Contacts with a recorded choice', el('span', { id: 'consent-known', dataset: { value: known } }, fmt.int(known))],
        ['Opted in', el('span', { id: 'consent-in', dataset: { value: s.opted_in } }, fmt.int(s.opted_in))],
        ['Opted out', el('span', { id: 'consent-out', dataset: { value: s.opted_out } }, fmt.int(s.opted_out))],
        ['Stopped', el('span', { id: 'consent-stopped', dataset: { value: s.stopped } }, fmt.int(s.stopped))],
        ['Opt-ins / opt-outs / stops (24 h)', `${fmt.int(s.opt_ins_in_window)} / ${fmt.int(s.opt_outs_in_window)} / ${fmt.int(s.stops_in_window)}`],
        ['Help requests (24 h)', fmt.int(s.help_requests_in_window)],
      ]),
      known === 0 ? empty('No contact has sent a consent keyword yet.', 'no-consent')
        : el('div', {}, el('span', { class: 'muted small' }, `opt-in rate ${fmt.pct(s.opt_in_rate_percent)}`), bar(s.opt_in_rate_percent, 'b-good', 'Opt-in rate')));
  }

  async function loadInboundCard() {
    const s = await api('/api/v1/analytics/inbound', D.teamParams());
    note('inbound-card', s.peak_hour ? `peak ${fmt.full.format(new Date(s.peak_hour))} UTC (${fmt.int(s.peak_hour_messages)})` : '');
    const classes = Object.entries(s.keyword_classes).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${fmt.int(n)}`).join(' · ');
    put(body('inbound-card'), facts([
      ['Messages', el('span', { id: 'inbound-messages', dataset: { value: s.messages } }, fmt.int(s.messages))],
      ['Unique senders', el('span', { id: 'inbound-senders', dataset: { value: s.unique_senders } }, fmt.int(s.unique_senders))],
      ['Keyword classes', classes || '–'],
    ]));
    if (!ensureChartDefaults()) return;
    if (charts.inbound) charts.inbound.destroy();
    charts.inbound = new Chart($('#chart-inbound'), {
      type: 'bar',
      data: { labels: s.messages_by_hour_of_day.map((_, h) => `${String(h).padStart(2, '0')}:00`),
        datasets: [{ label: 'inbound messages', data: s.messages_by_hour_of_day, backgroundColor: COLORS.accent, borderRadius: 3 }] },
      options: { responsive: true, maintainAspectRatio: false, animation: false, plugins: { legend: { display: false } },
        scales: { x: { grid: { display: false }, title: { display: true, text: 'hour of the day (UTC)' } }, y: { beginAtZero: true, ticks: { precision: 0 } } } },
    });
    charts.inbound.$byHour = s.messages_by_hour_of_day;
  }

  function drawConsentExamples(c) {
    note('consent-examples', c.examples.length ? `first ${c.examples.length} of ${fmt.int(c.messages_to_opted_out_contacts)}` : '');
    if (c.examples.length === 0) { put(body('consent-examples'), empty('None: no message went to a contact who had opted out or stopped.', 'no-consent-violations')); return; }
    put(body('consent-examples'), table([['Sent (UTC)'], ['Recipient'], ['Item'], ['State since']], c.examples.map((x) => el('tr', { dataset: { item: x.item_id } },
      el('td', {}, timeEl(x.sent_at, fmt.full.format(new Date(x.sent_at)))), el('td', {}, x.recipient), el('td', {}, el('code', {}, x.item_id)),
      el('td', {}, el('span', { class: 'state-badge' }, x.state), el('span', { class: 'desc' }, timeEl(x.state_since))))), { id: 'consent-violations' }));
  }

  function drawQuietExamples(q) {
    note('quiet-examples', q.examples.length ? `first ${q.examples.length} of ${fmt.int(q.messages_during_quiet_hours)}` : '');
    if (q.examples.length === 0) { put(body('quiet-examples'), empty('None: no message went inside its recipient’s quiet hours.', 'no-quiet-violations')); return; }
    put(body('quiet-examples'), table([['Sent (UTC)'], ['Recipient'], ['Local time'], ['Quiet hours'], ['Setting']], q.examples.map((x) => el('tr', { dataset: { item: x.item_id } },
      el('td', {}, timeEl(x.sent_at, fmt.full.format(new Date(x.sent_at)))), el('td', {}, x.recipient ?? '–'), el('td', {}, `${x.local_time} `, el('span', { class: 'desc' }, x.time_zone)),
      el('td', {}, `${x.quiet_hours.start}–${x.quiet_hours.end}`), el('td', {}, x.setting))), { id: 'quiet-violations' }));
  }

  function drawRateLimits(l) {
    note('rate-limits', l.accounts_with_limits ? `${l.accounts_with_limits} account(s) with a TPS limit` : '');
    if (l.accounts.length === 0) {
      put(body('rate-limits'), empty('No account has a TPS limit: set one with PUT /api/v1/accounts/{name} {"tps_limit": …}.', 'no-rate-limits'));
      return;
    }
    put(body('rate-limits'), table([['Account'], ['Limit', 'num'], ['Minutes over', 'num'], ['Average', 'num'], ['Peak', 'num'], ['Status']],
      l.accounts.map((x) => el('tr', { dataset: { account: x.account } },
        el('td', {}, el('b', {}, x.account)), el('td', { class: 'num' }, `${fmtNum(x.tps_limit)} /s`),
        el('td', { class: 'num', dataset: { value: x.rate_limit_violations } }, fmt.int(x.rate_limit_violations)),
        el('td', { class: 'num' }, `${fmt.rate(x.average_send_rate)} /s`), el('td', { class: 'num' }, x.peak_send_rate === null ? '–' : `${fmt.rate(x.peak_send_rate)} /s`),
        el('td', {}, badge(STATUS_LEVEL[x.compliance_status] || 'degraded', x.compliance_status)))), { id: 'rate-limit-table' }));
  }

  // ---------- messages: item search ----------
  const SEARCH_FIELDS = [
    ['status', 'Status', 'failed,undelivered'], ['channel', 'Channel', 'sms,whatsapp'], ['provider', 'Provider', 'twilio'],
    ['campaign', 'Campaign', ''], ['country', 'Country', 'GB,US'], ['account', 'Account', ''], ['kind', 'Kind', 'message,otp'],
    ['recipient', 'Recipient', '+447700900123'], ['error_code', 'Error code', '30007'],
  ];
  const EXPORTS = [['csv', 'CSV'], ['ndjson', 'NDJSON'], ['xlsx', 'Excel']];
  // The search on screen: its filters and window (fixed when it is run, so paging never shifts), and the cursors of its pages.
  const messages = { range: null, params: null, cursors: [null], page: 0 };

  function buildMessages(panel) {
    messages.range = D.state.range;
    const inputs = SEARCH_FIELDS.map(([name, label, placeholder]) => {
      const chips = D.state.filters.filter((f) => f.dim === name).map((f) => f.value);
      const value = name === 'error_code' ? (D.state.errorCode || '') : chips.join(',');
      return el('label', {}, label, el('input', { type: 'text', name, value, placeholder, autocomplete: 'off', 'aria-label': `${label} (comma-separated)` }));
    });
    const form = el('form', { class: 'search-form', id: 'message-search', role: 'search', onsubmit: (ev) => { ev.preventDefault(); runSearch(); } },
      inputs,
      el('label', {}, 'Per page', el('select', { name: 'limit', 'aria-label': 'Items per page' }, [25, 50, 100].map((n) => el('option', { value: n, selected: n === 50 }, n)))),
      el('div', { class: 'form-actions' }, el('button', { type: 'submit', class: 'action', id: 'message-search-run' }, 'Search'),
        el('button', { type: 'button', class: 'action', id: 'message-search-clear', onclick: () => {
          for (const input of form.querySelectorAll('input')) input.value = '';
          runSearch();
        } }, 'Clear')));
    put(panel, el('section', { class: 'grid' }, card('message-results', 'Messages')));
    $('#message-results .card-head').after(el('div', { class: 'controls', id: 'message-controls' }), form);
    renderMessageControls();
  }

  function renderMessageControls() {
    put($('#message-controls'), segmented('message-range', 'Window (by first event)', Object.entries(D.RANGES).map(([k, r]) => [k, r.label]), messages.range,
      (v) => { messages.range = v; renderMessageControls(); runSearch(); }));
  }

  /** The form's filters and the window ending now, as the search's and the export's query. */
  function searchParams() {
    const p = D.teamParams();
    const minutes = D.RANGES[messages.range].minutes;
    const to = Math.floor(Date.now() / 60000) * 60000 + 60000;
    p.set('from', new Date(to - minutes * 60000).toISOString().replace(/\.\d{3}Z$/, 'Z'));
    p.set('to', new Date(to).toISOString().replace(/\.\d{3}Z$/, 'Z'));
    for (const [name] of SEARCH_FIELDS) {
      const value = $(`#message-search [name="${name}"]`).value.split(',').map((v) => v.trim()).filter(Boolean).join(',');
      if (value) p.set(name, value);
    }
    return p;
  }

  async function runSearch() {
    messages.params = searchParams();
    messages.cursors = [null];
    messages.page = 0;
    await loadCard('message-results', showPage);
  }

  async function showPage() {
    const p = new URLSearchParams(messages.params);
    p.set('limit', $('#message-search [name="limit"]').value);
    const cursor = messages.cursors[messages.page];
    if (cursor) p.set('cursor', cursor);
    const target = body('message-results');
    target.dataset.loading = 'true';
    const page = await api('/api/v1/items', p);
    messages.cursors[messages.page + 1] = page.next_cursor;
    const first = messages.page * Number(p.get('limit'));
    note('message-results', page.items.length ? `${fmt.int(first + 1)}–${fmt.int(first + page.items.length)}${page.next_cursor ? '' : ' (the last)'} · newest first`
      : '');
    const exportQuery = new URLSearchParams(messages.params);
    const links = el('div', { class: 'exports', id: 'message-exports' }, el('span', { class: 'muted' }, 'Export this search (every page):'),
      EXPORTS.map(([format, label]) => {
        exportQuery.set('format', format);
        return el('a', { href: `/api/v1/exports/items?${exportQuery}`, download: '', id: `export-${format}`, dataset: { format } }, label);
      }));
    const rows = page.items.map((i) => el('tr', {
      class: 'clickable', tabindex: 0, title: `Open ${i.item_id}`, dataset: { item: i.item_id, team: i.team },
      onclick: () => D.openItem(i.item_id),
      onkeydown: (ev) => { if (ev.key === 'Enter') D.openItem(i.item_id); },
    },
    el('td', {}, timeEl(i.earliest_at, fmt.full.format(new Date(i.earliest_at)))),
    el('td', { class: 'wrap' }, el('code', {}, i.item_id)),
    el('td', {}, D.statusChip(i.status, i.outcome)),
    el('td', {}, [i.kind, i.channel, i.provider].filter(Boolean).join(' · ')),
    el('td', {}, i.country || '–'),
    el('td', { class: 'wrap' }, i.campaign || '–'),
    el('td', {}, i.recipient || '–'),
    el('td', { class: 'num' }, i.cost ? i.cost.toFixed(4) : '–'),
    el('td', {}, i.error_code || '–')));
    const pager = el('div', { class: 'pager' },
      el('button', { type: 'button', class: 'action', id: 'message-newer', disabled: messages.page === 0, onclick: () => { messages.page--; loadCard('message-results', showPage); } }, '← Newer'),
      el('span', { class: 'muted small', id: 'message-page', dataset: { page: messages.page + 1 } }, `page ${messages.page + 1}`),
      el('button', { type: 'button', class: 'action', id: 'message-older', disabled: !page.next_cursor, onclick: () => { messages.page++; loadCard('message-results', showPage); } }, 'Older →'));
    put(target, links, page.items.length === 0
      ? empty('No item matches this search in the window.', 'no-messages')
      : table([['First event (UTC)'], ['Item'], ['Status'], ['Kind · channel · provider'], ['Country'], ['Campaign'], ['Recipient'], ['Cost', 'num'], ['Error']], rows,
        { id: 'message-table', dataset: { from: messages.params.get('from'), to: messages.params.get('to') } }), pager);
    target.dataset.loading = 'false';
    target.dataset.shown = String((Number(target.dataset.shown) || 0) + 1);
  }

  async function loadMessages(panel) {
    if (!panel.dataset.built) {
      buildMessages(panel);
      panel.dataset.built = 'true';
      await runSearch();
      return;
    }
    // Shown again (the team or the overview's filters changed): the same form, read afresh from its first page.
    await runSearch();
  }

  // ---------- insights ----------
  // The last 30 days: templates with their 95 % intervals, read rate by local hour and weekday, failure rate against TPS.
  const INSIGHT_DAYS = 30;
  const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
  const SVG = 'http://www.w3.org/2000/svg';
  function svg(tag, attrs, ...children) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) if (v !== null && v !== undefined) node.setAttribute(k, v);
    for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return node;
  }
  const pct = (v) => (v === null || v === undefined ? '–' : `${v.toFixed(1)} %`);
  function insightParams() {
    return D.teamParams({ from: new Date(Date.now() - INSIGHT_DAYS * 86400000).toISOString().replace(/\.\d+Z$/, 'Z') });
  }

  /** A rate with its interval: the range as a band, the point as a mark, on a 0–100 % track. */
  function intervalBar(r, label) {
    if (r.rate === null) return el('span', { class: 'muted' }, '–');
    return el('div', { class: 'interval', role: 'img', 'aria-label': `${label}: ${pct(r.rate)} (95 % interval ${pct(r.lower)} to ${pct(r.upper)})`,
      dataset: { rate: r.rate, lower: r.lower, upper: r.upper } },
      el('span', { class: 'interval-band', style: `left:${r.lower}%;width:${Math.max(0.5, r.upper - r.lower)}%` }),
      el('span', { class: 'interval-mark', style: `left:${r.rate}%` }));
  }

  async function loadInsightTemplates() {
    const t = await api('/api/v1/analytics/insights/templates', insightParams());
    const picked = (list, name) => list.filter((p) => p.name === name).map((p) => p.metric.replace('_rate', '')).join(', ');
    note('insight-templates', `last ${INSIGHT_DAYS} days; best and worst only where 95 % intervals separate (at least ${t.min_volume} messages)`);
    if (!t.templates.length) { put(body('insight-templates'), empty('No messages with a template in this window.', 'no-templates')); return; }
    const rows = t.templates.map((r) => el('tr', { dataset: { template: r.template } },
      el('th', { scope: 'row' }, r.template,
        picked(t.best, r.template) ? el('span', { class: 'badge best' }, ` best ${picked(t.best, r.template)}`) : null,
        picked(t.worst, r.template) ? el('span', { class: 'badge worst' }, ` worst ${picked(t.worst, r.template)}`) : null),
      el('td', { class: 'num' }, fmt.int(r.sent)),
      el('td', { class: 'delivery' }, intervalBar(r.delivery_rate, 'delivery rate'), el('span', { class: 'small' }, pct(r.delivery_rate.rate))),
      el('td', { class: 'read' }, intervalBar(r.read_rate, 'read rate'), el('span', { class: 'small' }, pct(r.read_rate.rate))),
      el('td', { class: 'reply' }, intervalBar(r.reply_rate, 'reply rate'), el('span', { class: 'small' }, pct(r.reply_rate.rate)))));
    put(body('insight-templates'), table([['Template'], ['Sent', 'num'], ['Delivered'], ['Read'], ['Replied']], rows, { id: 'templates-table' }),
      t.reason ? el('p', { class: 'muted small', id: 'templates-reason' }, `No best or worst: ${t.reason}.`) : null);
  }

  async function loadInsightSendTimes() {
    const s = await api('/api/v1/analytics/insights/send-times', insightParams());
    note('insight-send-times', `read rate by the recipient's local time (contact zone, else country, else the team's ${s.team_time_zone})`);
    const cells = new Map(s.cells.map((c) => [`${c.weekday}-${c.hour}`, c]));
    const max = Math.max(1, ...s.cells.map((c) => c.read_rate ?? 0));
    const head = el('tr', {}, el('th', { scope: 'col' }, ''), Array.from({ length: 24 }, (_, h) => el('th', { scope: 'col', class: 'num' }, String(h))));
    const rows = WEEKDAYS.map((day) => el('tr', {}, el('th', { scope: 'row' }, day.slice(0, 3)),
      Array.from({ length: 24 }, (_, h) => {
        const c = cells.get(`${day}-${h}`);
        const alpha = c && c.read_rate !== null ? (0.1 + 0.9 * c.read_rate / max).toFixed(2) : 0;
        return el('td', { class: 'heat', style: `background:rgba(37,99,235,${alpha})`, title: c ? `${day} ${h}:00 · ${c.sent} sent · read ${pct(c.read_rate)}` : `${day} ${h}:00 · none sent`,
          dataset: { weekday: day, hour: h, sent: c ? c.sent : 0, rate: c && c.read_rate !== null ? c.read_rate : '' } });
      })));
    const r = s.recommendation;
    put(body('insight-send-times'), el('div', { class: 'table-wrap' }, el('table', { class: 'heatmap', id: 'send-time-heatmap' }, el('thead', {}, head), el('tbody', {}, rows))),
      el('p', { id: 'send-time-recommendation', class: r ? 'recommend' : 'muted small' },
        r ? `Send at ${String(r.hour_start).padStart(2, '0')}:00–${String(r.hour_end).padStart(2, '0')}:00 local: ${r.metric.replace('_', ' ')} ${pct(r.rate.rate)} against ${pct(r.rest.rate)} the rest of the day.`
          : `No recommended window: ${s.reason}.`));
  }

  /** Failure rate (y) against achieved TPS (x) of one route, the recommended ceiling and the account's limit as vertical lines. */
  function tpsChart(row, index) {
    const w = 420, h = 180, pad = 32;
    const maxX = Math.max(row.peak_tps, row.recommended_max_tps ?? 0, row.current_tps_limit ?? 0, 1) * 1.1;
    const maxY = Math.max(5, ...row.buckets.map((b) => b.failure_rate.upper ?? 0));
    const x = (v) => pad + (w - 2 * pad) * v / maxX, y = (v) => h - pad - (h - 2 * pad) * v / maxY;
    const chart = svg('svg', { viewBox: `0 0 ${w} ${h}`, class: 'tps-chart', id: `tps-chart-${index}`, role: 'img',
      'aria-label': `Failure rate against TPS on ${row.route ?? 'no route'}` },
      svg('line', { x1: pad, y1: h - pad, x2: w - pad, y2: h - pad, class: 'axis' }), svg('line', { x1: pad, y1: pad, x2: pad, y2: h - pad, class: 'axis' }),
      svg('text', { x: w - pad, y: h - 6, 'text-anchor': 'end', class: 'axis-label' }, 'TPS'),
      svg('text', { x: 4, y: pad - 8, class: 'axis-label' }, `failures ${maxY.toFixed(0)} %`));
    for (const b of row.buckets) {
      const mid = (b.tps_from + b.tps_to) / 2;
      chart.append(svg('line', { x1: x(mid), x2: x(mid), y1: y(b.failure_rate.lower ?? 0), y2: y(b.failure_rate.upper ?? 0), class: 'whisker' }),
        svg('circle', { cx: x(mid), cy: y(b.failure_rate.rate ?? 0), r: 4, class: b.significantly_above_baseline ? 'point above' : 'point',
          'data-tps': mid, 'data-rate': b.failure_rate.rate ?? '' }, svg('title', {}, `${b.tps_from}–${b.tps_to} TPS: ${pct(b.failure_rate.rate)} failed, ${b.sent} sent`)));
    }
    if (row.recommended_max_tps !== null) chart.append(svg('line', { x1: x(row.recommended_max_tps), x2: x(row.recommended_max_tps), y1: pad, y2: h - pad,
      class: 'ceiling', 'data-tps': row.recommended_max_tps }), svg('text', { x: x(row.recommended_max_tps) + 3, y: pad + 10, class: 'axis-label' }, `max ${row.recommended_max_tps} TPS`));
    if (row.current_tps_limit !== null) chart.append(svg('line', { x1: x(row.current_tps_limit), x2: x(row.current_tps_limit), y1: pad, y2: h - pad,
      class: 'limit', 'data-tps': row.current_tps_limit }));
    return chart;
  }

  async function loadInsightRateLimits() {
    const r = await api('/api/v1/analytics/insights/rate-limits', insightParams());
    note('insight-rate-limits', 'per route, provider and account; by per-minute achieved TPS');
    if (!r.routes.length) { put(body('insight-rate-limits'), empty('No outbound items in this window.', 'no-routes')); return; }
    put(body('insight-rate-limits'), r.routes.map((row, i) => el('figure', { class: 'tps-route', dataset: { route: row.route ?? '' } },
      el('figcaption', {}, `${row.route ?? '(no route)'} · ${row.provider ?? '–'} · ${row.account ?? '–'}: `,
        row.recommended_max_tps !== null ? el('strong', { class: 'recommended' }, `keep under ${row.recommended_max_tps} TPS`) : el('span', { class: 'muted small' }, row.reason),
        row.current_tps_limit !== null ? ` (limit now ${row.current_tps_limit} TPS)` : ''),
      tpsChart(row, i))));
  }

  function buildInsights(panel) {
    put(panel, el('section', { class: 'grid' }, card('insight-templates', 'Templates')),
      el('section', { class: 'grid' }, card('insight-send-times', 'Best send times')),
      el('section', { class: 'grid' }, card('insight-rate-limits', 'Failure rate against TPS')));
  }

  async function loadInsights(panel) {
    if (!D.team()) { delete panel.dataset.built; needTeam(panel, 'insights'); return; }
    if (!panel.dataset.built) { buildInsights(panel); panel.dataset.built = 'true'; }
    await Promise.all([loadCard('insight-templates', loadInsightTemplates), loadCard('insight-send-times', loadInsightSendTimes),
      loadCard('insight-rate-limits', loadInsightRateLimits)]);
  }

  // ---------- deliveries (today's board, agents, failures and retries, recordings, positions) ----------
  const DELIVERY_STATUSES = ['scheduled', 'assigned', 'in_transit', 'completed', 'failed', 'cancelled'];
  const BOARD_PAGES = 5; // 200 a page: the board reads at most 1,000 of today's deliveries

  function buildDeliveries(panel) {
    put(panel,
      el('section', { class: 'grid' }, card('delivery-board', 'Today’s board')),
      el('section', { class: 'grid two' }, card('agent-ranking', 'Agents by success rate, last 7 days and today'), card('delivery-trouble', 'Failing or retrying')),
      el('section', { class: 'grid two' }, card('delivery-map', 'Deliveries and agents'), card('delivery-recordings', 'Recordings')));
  }

  /** Today's deliveries (created since 00:00 UTC), newest first, up to BOARD_PAGES pages. */
  async function todaysDeliveries() {
    const today = new Date();
    today.setUTCHours(0, 0, 0, 0);
    const list = [];
    let cursor = null, pages = 0;
    do {
      const page = await api('/api/v1/deliveries', D.teamParams({ from: today.toISOString(), limit: 200, cursor }));
      list.push(...page.deliveries);
      cursor = page.next_cursor;
    } while (cursor && ++pages < BOARD_PAGES);
    return { list, more: Boolean(cursor) };
  }

  function drawBoard(today) {
    note('delivery-board', `created since 00:00 UTC${today.more ? ' · the newest 1,000' : ''}`);
    const columns = DELIVERY_STATUSES.map((status) => {
      const items = today.list.filter((d) => d.status === status);
      return el('div', { class: 'board-column', dataset: { status } },
        el('h3', {}, D.statusChip(status), el('span', { class: 'board-count', dataset: { value: items.length } }, fmt.int(items.length))),
        el('ul', { class: 'board-cards' }, items.slice(0, 8).map((d) => el('li', { dataset: { delivery: d.id }, title: d.address },
          el('code', {}, d.id), el('span', { class: `muted small priority-${d.priority}` }, ` ${d.priority}`),
          el('div', { class: 'small wrap' }, d.address),
          el('div', { class: 'muted small' }, `due ${fmt.hm.format(new Date(d.scheduled_time))} UTC${d.agent_id ? ` · ${d.agent_id}` : ''}`)))),
        items.length > 8 ? el('p', { class: 'muted small' }, `and ${fmt.int(items.length - 8)} more`) : null);
    });
    put(body('delivery-board'), el('div', { class: 'board', id: 'board' }, columns));
  }

  async function loadAgentRanking() {
    // An attempt counts in the window of its first event, which may be its (future) schedule: today's plan is included.
    const now = Date.now();
    const from = new Date(now - 7 * 86400000), to = new Date(now + 86400000);
    const a = await api('/api/v1/analytics/agents', D.teamParams({ from: isoMinuteOf(from), to: isoMinuteOf(to) }));
    const ranked = [...a.agents].sort((x, y) => (y.success_rate ?? -1) - (x.success_rate ?? -1) || y.completed - x.completed);
    note('agent-ranking', `team success ${pct(a.totals.success_rate)} · on time ${pct(a.totals.on_time_rate)}`);
    put(body('agent-ranking'), ranked.length === 0 ? empty('No agent carried a delivery in the last 7 days.', 'no-agents')
      : table([['#', 'num'], ['Agent'], ['Success', 'num'], ['Completed', 'num'], ['Failed', 'num'], ['Rating', 'num'], ['On time', 'num']],
        ranked.map((r, i) => el('tr', { dataset: { agent: r.agent_id } },
          el('td', { class: 'num' }, String(i + 1)),
          el('td', {}, r.name || r.agent_id || '–'),
          el('td', { class: 'num', dataset: { value: r.success_rate ?? '' } }, pct(r.success_rate)),
          el('td', { class: 'num' }, fmt.int(r.completed)),
          el('td', { class: 'num' }, fmt.int(r.failed)),
          el('td', { class: 'num', dataset: { value: r.average_rating ?? '' } }, r.average_rating === null ? '–' : `${r.average_rating.toFixed(2)} ★`),
          el('td', { class: 'num', dataset: { value: r.on_time_rate ?? '' } }, pct(r.on_time_rate)))), { id: 'agent-table' }));
  }
  const isoMinuteOf = (d) => new Date(Math.floor(d.getTime() / 60000) * 60000).toISOString().replace(/\.\d{3}Z$/, 'Z');

  async function loadTrouble() {
    const page = await api('/api/v1/deliveries', D.teamParams({ status: 'failed,scheduled,assigned,in_transit', limit: 200 }));
    const trouble = page.deliveries.filter((d) => d.status === 'failed' || d.retry_count > 0);
    note('delivery-trouble', `${fmt.int(trouble.length)} of the newest ${fmt.int(page.deliveries.length)} open or failed`);
    put(body('delivery-trouble'), trouble.length === 0 ? empty('No delivery is failing or being retried.', 'no-trouble')
      : table([['Delivery'], ['Status'], ['Retries', 'num'], ['Agent'], ['Last note']], trouble.map((d) => {
        const last = d.tracking_events[d.tracking_events.length - 1];
        return el('tr', { dataset: { delivery: d.id, status: d.status } },
          el('td', {}, el('code', {}, d.id)),
          el('td', {}, D.statusChip(d.status), d.status !== 'failed' ? el('span', { class: 'muted small' }, ' retrying') : null),
          el('td', { class: 'num', dataset: { value: d.retry_count } }, `${d.retry_count} / ${d.max_retries}`),
          el('td', {}, d.agent_id || '–'),
          el('td', { class: 'wrap' }, last?.notes || '–'));
      }), { id: 'trouble-table' }));
  }

  /** The newest analysed call recordings: what the customer's tone was and what they asked for. */
  async function showRecordings() {
    const page = await api('/api/v1/recordings', D.teamParams({ processing_status: 'completed', limit: 20 }));
    note('delivery-recordings', `the newest ${fmt.int(page.recordings.length)} transcribed calls`);
    if (page.recordings.length === 0) {
      put(body('delivery-recordings'), empty('No call recording has been transcribed yet.', 'no-recordings'));
      return;
    }
    put(body('delivery-recordings'), table([['Delivery'], ['Sentiment'], ['Instructions'], ['Priority']], page.recordings.map((r) => {
      const a = r.ai_analysis || {};
      return el('tr', { dataset: { recording: r.id, sentiment: a.sentiment || '' } },
        el('td', {}, el('code', {}, r.delivery_id)),
        el('td', {}, a.sentiment || '–'),
        el('td', { class: 'wrap' }, a.instructions || '–'),
        el('td', {}, a.priority || '–'));
    }), { id: 'recordings-table' }));
  }

  /** Deliveries (by status colour) and located agents (squares) on a plain longitude/latitude plane, no map tiles. */
  async function drawPositions(today) {
    const agents = (await api('/api/v1/agents', D.teamParams({ limit: 200 }))).agents.filter((a) => a.current_location);
    const points = [
      ...today.list.map((d) => ({ kind: 'delivery', id: d.id, status: d.status, lon: d.coordinates.coordinates[0], lat: d.coordinates.coordinates[1], label: `${d.id} · ${d.status} · ${d.address}` })),
      ...agents.map((a) => ({ kind: 'agent', id: a.id, lon: a.current_location.coordinates[0], lat: a.current_location.coordinates[1], label: `${a.name} (${a.id}) · ${a.active_deliveries} active` })),
    ];
    note('delivery-map', `${fmt.int(today.list.length)} deliveries · ${fmt.int(agents.length)} agents`);
    if (points.length === 0) { put(body('delivery-map'), empty('Nothing to place yet.', 'no-positions')); return; }
    const W = 600, H = 360, PAD = 20;
    const lons = points.map((p) => p.lon), lats = points.map((p) => p.lat);
    const minLon = Math.min(...lons), maxLon = Math.max(...lons), minLat = Math.min(...lats), maxLat = Math.max(...lats);
    const spanLon = Math.max(maxLon - minLon, 0.01), spanLat = Math.max(maxLat - minLat, 0.01);
    // One scale for both axes, longitude shrunk by the cosine of the middle latitude, so distances look like distances.
    const k = Math.cos(((minLat + maxLat) / 2) * Math.PI / 180);
    const scale = Math.min((W - 2 * PAD) / (spanLon * k), (H - 2 * PAD) / spanLat);
    const x = (lon) => PAD + (lon - minLon) * k * scale;
    const y = (lat) => H - PAD - (lat - minLat) * scale;
    const colour = { scheduled: '#8a94a6', assigned: COLORS.p90, in_transit: COLORS.accent, completed: COLORS.good, failed: COLORS.bad, cancelled: '#b2bec3' };
    const marks = points.map((p) => p.kind === 'agent'
      ? svg('rect', { x: (x(p.lon) - 5).toFixed(1), y: (y(p.lat) - 5).toFixed(1), width: 10, height: 10, class: 'map-agent', 'data-id': p.id }, svg('title', {}, p.label))
      : svg('circle', { cx: x(p.lon).toFixed(1), cy: y(p.lat).toFixed(1), r: 4, fill: colour[p.status] || '#888', class: 'map-delivery', 'data-id': p.id, 'data-status': p.status }, svg('title', {}, p.label)));
    const legend = el('p', { class: 'map-legend small muted' }, 'circles: deliveries by status · squares: agents · ',
      `lon ${minLon.toFixed(3)}…${maxLon.toFixed(3)}, lat ${minLat.toFixed(3)}…${maxLat.toFixed(3)}`);
    put(body('delivery-map'), svg('svg', { id: 'delivery-scatter', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': 'Positions of today’s deliveries and of the agents', class: 'scatter' },
      svg('rect', { x: 0, y: 0, width: W, height: H, class: 'scatter-bg' }), ...marks), legend);
  }

  async function loadDeliveries(panel) {
    if (!D.team()) { needTeam(panel, 'deliveries'); delete panel.dataset.built; return; }
    if (!panel.dataset.built) { buildDeliveries(panel); panel.dataset.built = 'true'; }
    let today = null;
    await Promise.all([
      loadCard('delivery-board', async () => { today = await todaysDeliveries(); drawBoard(today); }),
      loadCard('agent-ranking', loadAgentRanking),
      loadCard('delivery-trouble', loadTrouble),
      loadCard('delivery-recordings', showRecordings),
    ]);
    if (today) await loadCard('delivery-map', () => drawPositions(today));
  }

  // ---------- audit trail (who did what, when and from where; field names only, never values) ----------
  const AUDIT_FIELDS = [['actor', 'Actor', 'key:k_… · agent:… · cli'], ['resource_type', 'Resource', 'keys, alerts/rules, deliveries'], ['action', 'Action', 'create, update, delete, read']];
  const AUDIT_PAGE = 50;
  const audit = { range: '7d', params: null, cursors: [null], page: 0 };
  const outcomeClass = (status) => (status < 400 ? 'delivered' : status < 500 ? 'pending' : 'failed');

  function buildAudit(panel) {
    const form = el('form', { class: 'search-form', id: 'audit-search', role: 'search', onsubmit: (ev) => { ev.preventDefault(); runAudit(); } },
      AUDIT_FIELDS.map(([name, label, placeholder]) => el('label', {}, label, el('input', { type: 'text', name, placeholder, autocomplete: 'off' }))),
      el('div', { class: 'form-actions' }, el('button', { type: 'submit', class: 'action', id: 'audit-run' }, 'Search'),
        el('button', { type: 'button', class: 'action', id: 'audit-clear', onclick: () => {
          for (const input of form.querySelectorAll('input')) input.value = '';
          runAudit();
        } }, 'Clear')));
    put(panel, el('section', { class: 'grid' }, card('audit-entries', 'Audit trail')));
    $('#audit-entries .card-head').after(el('div', { class: 'controls', id: 'audit-controls' }), form);
    renderAuditControls();
  }

  function renderAuditControls() {
    put($('#audit-controls'), segmented('audit-range', 'Window', Object.entries(D.RANGES).map(([k, r]) => [k, r.label]), audit.range,
      (v) => { audit.range = v; renderAuditControls(); runAudit(); }));
  }

  async function runAudit() {
    const p = D.teamParams();
    p.set('from', new Date(Date.now() - D.RANGES[audit.range].minutes * 60000).toISOString().replace(/\.\d{3}Z$/, 'Z'));
    for (const [name] of AUDIT_FIELDS) {
      const value = $(`#audit-search [name="${name}"]`).value.trim();
      if (value) p.set(name, value);
    }
    p.set('limit', AUDIT_PAGE);
    audit.params = p;
    audit.cursors = [null];
    audit.page = 0;
    await loadCard('audit-entries', showAuditPage);
  }

  async function showAuditPage() {
    const p = new URLSearchParams(audit.params);
    const cursor = audit.cursors[audit.page];
    if (cursor) p.set('cursor', cursor);
    const page = await api('/api/v1/audit', p);
    audit.cursors[audit.page + 1] = page.next_cursor;
    const refused = page.entries.filter((e) => e.outcome >= 400).length;
    note('audit-entries', page.entries.length ? `${fmt.int(page.entries.length)} on this page · ${fmt.int(refused)} refused · newest first` : '');
    const rows = page.entries.map((e) => el('tr', { dataset: { entry: e.id, outcome: e.outcome } },
      el('td', {}, timeEl(e.at, fmt.full.format(new Date(e.at)))),
      el('td', {}, el('code', {}, e.actor)),
      el('td', {}, e.remote_ip || '–'),
      el('td', {}, e.action),
      el('td', { class: 'wrap' }, e.resource_type, e.resource_id ? el('code', { class: 'small' }, ` ${e.resource_id}`) : null),
      el('td', {}, el('span', { class: `status ${outcomeClass(e.outcome)}` }, String(e.outcome))),
      el('td', { class: 'wrap small' }, e.changes?.length ? e.changes.join(', ') : '–'),
      el('td', { class: 'muted small', title: e.hash }, el('code', {}, e.hash.slice(0, 10)))));
    const pager = el('div', { class: 'pager' },
      el('button', { type: 'button', class: 'action', id: 'audit-newer', disabled: audit.page === 0, onclick: () => { audit.page--; loadCard('audit-entries', showAuditPage); } }, '← Newer'),
      el('span', { class: 'muted small', id: 'audit-page', dataset: { page: audit.page + 1 } }, `page ${audit.page + 1}`),
      el('button', { type: 'button', class: 'action', id: 'audit-older', disabled: !page.next_cursor, onclick: () => { audit.page++; loadCard('audit-entries', showAuditPage); } }, 'Older →'));
    put(body('audit-entries'), page.entries.length === 0
      ? empty('No audit entry matches in this window.', 'no-audit')
      : table([['When (UTC)'], ['Actor'], ['From'], ['Action'], ['Resource'], ['Outcome'], ['Fields set'], ['Chain']], rows, { id: 'audit-table' }), pager);
    const target = body('audit-entries');
    target.dataset.shown = String((Number(target.dataset.shown) || 0) + 1);
  }

  async function loadAudit(panel) {
    if (!panel.dataset.built) { buildAudit(panel); panel.dataset.built = 'true'; }
    await runAudit();
  }

  // ---------- the tab switcher's entry points ----------
  const loaders = { alerts: loadAlerts, campaigns: loadCampaigns, trends: loadTrends, compliance: loadCompliance, messages: loadMessages, insights: loadInsights, deliveries: loadDeliveries, audit: loadAudit };
  async function load(tab) {
    const panel = $(`#panel-${tab}`);
    panel.dataset.loading = 'true';
    try {
      await loaders[tab](panel);
    } catch (e) {
      panel.prepend(el('p', { class: 'banner error', role: 'alert' }, `Could not load this tab: ${e.message}`));
    } finally {
      markLoaded(panel);
    }
  }
  function show(tab) {
    if (!loaders[tab]) return;
    visible = tab;
    clearInterval(refreshTimer);
    load(tab);
    if (!REFRESH_MS[tab]) return;
    refreshTimer = setInterval(() => {
      // Not while the page is in the background, nor under a keyboard user's focus (redrawing would drop it).
      const focused = document.activeElement;
      const busy = focused && focused !== document.body && $(`#panel-${tab}`).contains(focused) && focused.matches('button, select, tr');
      if (visible === tab && !document.hidden && !busy) load(tab);
    }, REFRESH_MS[tab]);
  }
  function hide(tab) {
    if (visible === tab) {
      visible = null;
      clearInterval(refreshTimer);
    }
  }
  window.HeraldPanels = { show, hide };
})();
