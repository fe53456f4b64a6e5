// tjsim console: every call it makes is one any client could make — the AWS operations (POST /,
// X-Amz-Target) and the /_tjsim control API; the list follows GET /_tjsim/events (Server-Sent Events).

const PAGE = 50;            // rows per page of the jobs list
const LOG_LINES = 5000;     // log lines kept on the page (older ones are dropped)
const ENDED = new Set(["Completed", "Failed", "Stopped"]);

const state = {
  jobs: new Map(),          // name -> row
  last: 0,                  // the newest event's number seen
  clock: null, clockAt: 0,  // the clock's state, and when (performance.now()) it was read
  sort: { key: "CreationTime", dir: -1 },
  filter: { status: "", name: "" },
  page: 0,
  job: null,                // the job page's name
  described: null,          // its last description
  log: { stream: null, token: null, lines: [] },
  settings: { colours: {}, unknown: "#999999" },
  scenarios: [],
  changed: new Set(),       // rows to flash at the next render
  source: null,
  received: 0, duplicates: 0, gaps: 0, reconnects: 0,   // what the stream delivered (a test reads them)
};

const $ = (id) => document.getElementById(id);

// ---- calls -------------------------------------------------------------------------------------
class CallError extends Error {
  constructor(code, message) { super(message); this.code = code; }
}

async function answer(response) {
  const text = await response.text();
  let body = {};
  try { body = text ? JSON.parse(text) : {}; } catch { body = { message: text }; }
  if (!response.ok) {
    throw new CallError(body.__type || `HTTP ${response.status}`, body.message || body.Message || text);
  }
  return body;
}

async function aws(operation, request, target = "SageMaker") {
  const response = await fetch("/", {
    method: "POST", body: JSON.stringify(request),
    headers: { "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": `${target}.${operation}` },
  });
  return answer(response);
}

async function control(path, body) {
  const response = await fetch(path, body === undefined ? {} : {
    method: "POST", body: JSON.stringify(body), headers: { "Content-Type": "application/json" },
  });
  return answer(response);
}

function showError(err) {
  const box = $("error");
  if (!err) { box.hidden = true; box.textContent = ""; return; }
  box.textContent = err.code ? `${err.code}: ${err.message}` : String(err.message || err);
  box.hidden = false;
}

async function act(work) {
  try { showError(null); return await work(); } catch (err) { showError(err); return undefined; }
}

// ---- times ---------------------------------------------------------------------------------------
function utc(t) {
  if (t === null || t === undefined) return "—";
  return new Date(t * 1000).toISOString().replace("T", " ").replace(/\.\d+Z$/, "");
}

function span(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return "—";
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return h ? `${h}:${String(m).padStart(2, "0")}:${String(r).padStart(2, "0")}` : `${m}:${String(r).padStart(2, "0")}`;
}

function now() {
  const c = state.clock;
  if (!c) return Date.now() / 1000;
  const drift = c.mode === "realtime" ? ((performance.now() - state.clockAt) / 1000) * c.speed : 0;
  return c.now + drift;
}

function seconds(text) {
  const found = /^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$/.exec(text);
  if (!found) throw new CallError("ValidationException", `Advance: a duration such as 90s, 10m, 2h or 1d (got "${text}")`);
  return Number(found[1]) * { "": 1, s: 1, m: 60, h: 3600, d: 86400 }[found[2]];
}

// ---- rows ----------------------------------------------------------------------------------------
function fromMillis(value) { return value === null || value === undefined ? value : value / 1000; }

// a row from an event's detail (times in epoch milliseconds), as GET /_tjsim/jobs makes them
function rowOf(detail) {
  const resources = detail.ResourceConfig || {};
  const groups = resources.InstanceGroups || [];
  return {
    TrainingJobName: detail.TrainingJobName, TrainingJobStatus: detail.TrainingJobStatus,
    SecondaryStatus: detail.SecondaryStatus,
    InstanceType: resources.InstanceType || groups.map((g) => g.InstanceType).join(", "),
    InstanceCount: resources.InstanceCount || groups.reduce((n, g) => n + g.InstanceCount, 0),
    Spot: Boolean(detail.EnableManagedSpotTraining),
    CreationTime: fromMillis(detail.CreationTime), TrainingEndTime: fromMillis(detail.TrainingEndTime),
    LastModifiedTime: fromMillis(detail.LastModifiedTime),
    TrainingTimeInSeconds: detail.TrainingTimeInSeconds, BillableTimeInSeconds: detail.BillableTimeInSeconds,
  };
}

function elapsed(row, at = now()) {
  const end = row.TrainingEndTime ?? (ENDED.has(row.TrainingJobStatus) ? row.LastModifiedTime : at);
  return end - row.CreationTime;
}

function sortValue(row, key, at) {
  if (key === "Elapsed") return elapsed(row, at);
  if (key === "InstanceType") return `${row.InstanceType} ${String(row.InstanceCount).padStart(4, "0")}`;
  return row[key] ?? "";
}

function chosen() {
  const { status, name } = state.filter;
  const needle = name.toLowerCase();
  const rows = [...state.jobs.values()].filter((r) =>
    (!status || r.TrainingJobStatus === status) && (!needle || r.TrainingJobName.toLowerCase().includes(needle)));
  const { key, dir } = state.sort;
  const at = now();  // one present for the whole sort
  rows.sort((a, b) => {
    const x = sortValue(a, key, at), y = sortValue(b, key, at);
    return (x < y ? -1 : x > y ? 1 : 0) * dir || a.TrainingJobName.localeCompare(b.TrainingJobName);
  });
  return rows;
}

function cell(text, className) {
  const td = document.createElement("td");
  if (className) td.className = className;
  td.textContent = text;
  return td;
}

// a status with its dot: a primary status coloured by its class (as the SageMaker console colours
// it), a secondary status in its colour of `tjsim plot`'s palette
function statusCell(status, secondary = false) {
  const td = document.createElement("td");
  const span = document.createElement("span");
  span.className = secondary ? "status" : `status ${status}`;
  if (secondary) span.style.setProperty("--dot", state.settings.colours[status] || state.settings.unknown);
  span.textContent = status || "—";
  td.append(span);
  return td;
}

function rowElement(row) {
  const tr = document.createElement("tr");
  tr.dataset.name = row.TrainingJobName;
  const name = document.createElement("td");
  const link = document.createElement("a");
  link.href = `#/job/${encodeURIComponent(row.TrainingJobName)}`;
  link.textContent = row.TrainingJobName;
  name.append(link);
  tr.append(name, statusCell(row.TrainingJobStatus), statusCell(row.SecondaryStatus, true),
    cell(`${row.InstanceType} × ${row.InstanceCount}`), cell(row.Spot ? "spot" : "on-demand"),
    cell(utc(row.CreationTime)), cell(span(elapsed(row)), "num"),
    cell(row.BillableTimeInSeconds ?? "—", "num"));
  if (state.changed.has(row.TrainingJobName)) tr.classList.add("changed");
  return tr;
}

let renderQueued = false;
function renderSoon() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => { renderQueued = false; renderList(); });
}

function renderList() {
  const rows = chosen();
  const pages = Math.max(1, Math.ceil(rows.length / PAGE));
  state.page = Math.min(state.page, pages - 1);
  const start = state.page * PAGE;
  const shown = rows.slice(start, start + PAGE);
  const body = $("jobs-body");
  const existing = new Map([...body.children].map((tr) => [tr.dataset.name, tr]));
  // rows are replaced one by one, and only those that changed: no reload of the table
  shown.forEach((row, i) => {
    const fresh = rowElement(row);  // (textContent only: names and messages are never read as HTML)
    const old = existing.get(row.TrainingJobName);
    const at = body.children[i];
    if (old && old.textContent === fresh.textContent && old === at && !state.changed.has(row.TrainingJobName)) return;
    if (at) body.replaceChild(fresh, at); else body.append(fresh);
    if (old && old !== at && old.parentNode) old.remove();
  });
  while (body.children.length > shown.length) body.lastChild.remove();
  state.changed.clear();
  $("jobs-count").textContent = `(${state.jobs.size.toLocaleString("en")})`;
  $("page-info").textContent = rows.length
    ? `${(start + 1).toLocaleString("en")}–${(start + shown.length).toLocaleString("en")} of ${rows.length.toLocaleString("en")}`
    : state.jobs.size ? "no job matches" : "no jobs yet: New job, or create one with any SageMaker client";
  $("page-prev").disabled = state.page === 0;
  $("page-next").disabled = state.page >= pages - 1;
  for (const th of document.querySelectorAll("#jobs th")) {
    const key = th.querySelector("button").dataset.sort;
    th.setAttribute("aria-sort", key === state.sort.key ? (state.sort.dir > 0 ? "ascending" : "descending") : "none");
  }
}

// ---- the clock -------------------------------------------------------------------------------------
function setClock(clock) {
  if (!clock || clock.now === undefined) return;
  state.clock = clock;
  state.clockAt = performance.now();
  renderClock();
}

function renderClock() {
  const c = state.clock;
  if (!c) return;
  $("clock-now").textContent = `${utc(now())} UTC`;
  $("clock-mode").textContent = c.mode === "realtime" ? `running at ${c.speed}×` : "paused";
  $("clock-pause").disabled = c.mode !== "realtime";
  for (const id of ["clock-next", "clock-advance", "job-next"]) $(id).disabled = c.mode === "realtime";
}

// ---- the event stream ------------------------------------------------------------------------------
function connect() {
  if (state.source) state.source.close();
  const source = new EventSource(`/_tjsim/events?after=${state.last}`);
  state.source = source;
  source.onopen = () => { state.reconnects += 1; };
  source.onmessage = (message) => {
    const number = Number(message.lastEventId.split("-").pop());  // "<epoch>-<number>"
    if (number <= state.last) state.duplicates += 1;
    else if (number !== state.last + 1) state.gaps += 1;
    state.received += 1;
    state.last = number;
    const event = JSON.parse(message.data);
    const row = rowOf(event.detail);
    state.jobs.set(row.TrainingJobName, row);
    state.changed.add(row.TrainingJobName);
    renderSoon();
    if (state.job === row.TrainingJobName) refreshJob();
  };
  source.onerror = () => {
    // EventSource reconnects by itself, sending Last-Event-ID; a refusal (a server restarted
    // without its state) closes it: start again from the server's list
    if (source.readyState === EventSource.CLOSED) setTimeout(function again() {
      load().catch(() => setTimeout(again, 3000));
    }, 1000);
  };
}

async function load() {
  const data = await control("/_tjsim/jobs");
  state.jobs = new Map(data.jobs.map((r) => [r.TrainingJobName, r]));
  state.last = data.last;
  setClock(data.clock);
  renderList();
  connect();
}

// ---- the job page ----------------------------------------------------------------------------------
function svg(tag, attributes, text) {
  const element = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attributes)) element.setAttribute(k, v);
  if (text !== undefined) element.textContent = text;
  return element;
}

// the status history as `tjsim plot` draws it: a bar per SecondaryStatusTransitions entry in its
// status's colour, a band under the time the instances are billed, a mark at each interruption
function renderTimeline(d) {
  const transitions = d.SecondaryStatusTransitions || [];
  const created = d.CreationTime;
  const end = ENDED.has(d.TrainingJobStatus) ? (d.LastModifiedTime ?? now()) : now();
  const total = Math.max(1, end - created);
  const width = Math.max(280, $("timeline").clientWidth || 800);
  const box = svg("svg", { viewBox: `0 0 ${width} 64`, role: "img", "aria-label": `status history of ${d.TrainingJobName}` });
  const legend = $("legend");
  legend.replaceChildren();
  const seen = new Set();
  const billed = new Set(state.settings.on_instances || []);
  const x = (t) => ((t - created) / total) * (width - 2) + 1;
  for (const t of transitions) {
    const from = x(t.StartTime), to = x(t.EndTime ?? end);
    const colour = state.settings.colours[t.Status] || state.settings.unknown;
    const rect = svg("rect", { x: from, y: 10, width: Math.max(1, to - from), height: 24, fill: colour,
      stroke: "white", "stroke-width": 0.5, class: "status-bar" });
    rect.append(svg("title", {}, `${t.Status}: ${t.StatusMessage || ""}`));
    box.append(rect);
    if (billed.has(t.Status)) {
      box.append(svg("rect", { x: from, y: 36, width: Math.max(1, to - from), height: 4,
        fill: state.settings.billed, "fill-opacity": 0.55 }));
    }
    if (t.Status === "Interrupted") {
      box.append(svg("path", { d: `M${from - 5},1 L${from + 5},1 L${from},9 Z`, fill: state.settings.interruption },
        undefined));
    }
    if (!seen.has(t.Status)) {
      seen.add(t.Status);
      const li = document.createElement("li");
      li.style.setProperty("--swatch", colour);
      li.textContent = t.Status;
      legend.append(li);
    }
  }
  if ([...seen].some((status) => billed.has(status))) {
    const li = document.createElement("li");
    li.style.setProperty("--swatch", state.settings.billed);
    li.textContent = "billed (instances up)";
    legend.append(li);
  }
  const unit = total > 3 * 3600 ? [3600, "h"] : total > 180 ? [60, "min"] : [1, "s"];
  for (let i = 0; i <= 4; i += 1) {
    const anchor = i === 0 ? "start" : i === 4 ? "end" : "middle";
    box.append(svg("text", { x: (i / 4) * width, y: 56, "text-anchor": anchor },
      `+${((i / 4) * total / unit[0]).toFixed(1)} ${unit[1]}`));
  }
  const wrap = document.createElement("div");
  wrap.className = "table-wrap";
  wrap.append(transitionsTable(transitions, created));
  $("timeline").replaceChildren(box, wrap);
}

function transitionsTable(transitions, created) {
  const table = document.createElement("table");
  table.className = "transitions";
  const head = document.createElement("tr");
  for (const name of ["Status", "Start (UTC)", "From creation", "Message"]) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = name;
    head.append(th);
  }
  table.append(head);
  for (const t of transitions) {
    const tr = document.createElement("tr");
    tr.append(statusCell(t.Status, true), cell(utc(t.StartTime)), cell(`+${span(t.StartTime - created)}`),
      cell(t.StatusMessage || ""));
    table.append(tr);
  }
  return table;
}

function renderBilling(d) {
  const training = d.TrainingTimeInSeconds, billable = d.BillableTimeInSeconds;
  const count = (d.ResourceConfig || {}).InstanceCount || 1;
  const items = [
    ["Training time", training === undefined ? "—" : `${training.toLocaleString("en")} s`],
    ["Billable time", billable === undefined ? "—" : `${billable.toLocaleString("en")} s`],
    ["Instances", `${(d.ResourceConfig || {}).InstanceType || ""} × ${count}`],
    ["Capacity", d.EnableManagedSpotTraining ? "managed spot" : "on-demand"],
  ];
  if (d.EnableManagedSpotTraining && training && billable !== undefined) {
    items.push(["Spot savings", `${((1 - billable / training) * 100).toFixed(1)} %`]);
  }
  if (d.WarmPoolStatus) items.push(["Warm pool", `${d.WarmPoolStatus.Status}`]);
  const dl = $("billing");
  dl.replaceChildren();
  for (const [k, v] of items) {
    const dt = document.createElement("dt"); dt.textContent = k;
    const dd = document.createElement("dd"); dd.textContent = v;
    dl.append(dt, dd);
  }
}

function jsonTree(value, key, path = "") {
  const label = () => {
    const k = document.createElement("span"); k.className = "key"; k.textContent = `${key}: `;
    return k;
  };
  if (value !== null && typeof value === "object") {
    const details = document.createElement("details");
    details.dataset.path = path;
    const summary = document.createElement("summary");
    const entries = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
    if (key !== undefined) summary.append(label());
    summary.append(Array.isArray(value) ? `[${entries.length}]` : `{${entries.length}}`);
    details.append(summary);
    for (const [k, v] of entries) details.append(jsonTree(v, k, `${path}/${k}`));
    return details;
  }
  const line = document.createElement("div");
  if (key !== undefined) line.append(label());
  line.append(JSON.stringify(value));
  return line;
}

// the response as collapsible JSON; what was open stays open as the job changes (by member path)
function renderDescribe(d) {
  const open = new Set([...$("describe").querySelectorAll("details[open]")].map((x) => x.dataset.path));
  const tree = jsonTree(d);
  tree.open = true;
  for (const details of tree.querySelectorAll("details")) {
    if (open.has(details.dataset.path)) details.open = true;
  }
  $("describe").replaceChildren(tree);
}

function showJob(d) {
  state.described = d;
  $("job-title").textContent = d.TrainingJobName;
  const badge = $("job-status");
  badge.textContent = `${d.TrainingJobStatus} · ${d.SecondaryStatus}`;
  badge.className = `badge status ${d.TrainingJobStatus}`;
  renderTimeline(d);
  renderBilling(d);
  renderDescribe(d);
  tailLog();
  renderMetrics(d);
}

let refreshing = null;
// the job page shows the DescribeTrainingJob response itself: read again when the job changes
function refreshJob() {
  const name = state.job;
  if (refreshing && refreshing.name === name) return refreshing.done;
  const done = act(async () => {
    const d = await aws("DescribeTrainingJob", { TrainingJobName: name });
    if (state.job === name) showJob(d);
  }).finally(() => { if (refreshing && refreshing.done === done) refreshing = null; });
  refreshing = { name, done };
  return done;
}

async function openJob(name) {
  state.job = name;
  state.described = null;
  state.log = { stream: null, token: null, lines: [] };
  for (const id of ["log", "metrics", "describe", "timeline", "legend", "billing"]) $(id).replaceChildren();
  $("log-stream").replaceChildren();
  $("job-title").textContent = name;
  $("job-status").textContent = "";
  $("jobs-view").hidden = true;
  $("job-view").hidden = false;
  $("job-title").focus();  // the link that was followed is gone: focus goes to what it opened
  await refreshJob();
}

let tailing = null;
async function tailLog() {
  const job = state.job, log = state.log;
  if (!job || tailing === job) return;
  tailing = job;
  const current = () => state.job === job && state.log === log;  // the page moved on: drop what came
  try {
    const group = "/aws/sagemaker/TrainingJobs";
    const streams = (await aws("DescribeLogStreams", { logGroupName: group, logStreamNamePrefix: `${state.job}/`,
      orderBy: "LogStreamName" }, "Logs_20140328")).logStreams || [];
    if (!current()) return;
    const select = $("log-stream");
    // newest first: the stream of the last start, first host on top
    const names = streams.sort((a, b) => b.creationTime - a.creationTime || a.logStreamName.localeCompare(b.logStreamName))
      .map((s) => s.logStreamName);
    if (names.join() !== [...select.options].map((o) => o.value).join()) {
      const current = select.value, newest = select.options.length ? select.options[0].value : null;
      select.replaceChildren(...names.map((n) => new Option(n, n)));
      // follow the newest stream unless another was chosen
      if (names.includes(current) && current !== newest) select.value = current;
    }
    const stream = select.value;
    if (!stream) return;
    if (stream !== log.stream) Object.assign(log, { stream, token: null, lines: [] });
    for (;;) {
      const page = await aws("GetLogEvents", { logGroupName: group, logStreamName: stream, startFromHead: true,
        ...(log.token ? { nextToken: log.token } : {}) }, "Logs_20140328");
      if (!current() || log.stream !== stream) return;
      log.token = page.nextForwardToken;
      if (!page.events.length) break;
      log.lines.push(...page.events.map((e) => e.message));
      if (log.lines.length > LOG_LINES) log.lines.splice(0, log.lines.length - LOG_LINES);
    }
    const pre = $("log");
    const atEnd = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
    pre.textContent = state.log.lines.length ? state.log.lines.join("\n") : "(no lines yet: the container writes once training starts)";
    if (atEnd) pre.scrollTop = pre.scrollHeight;
  } catch (err) {
    if (current()) showError(err);
  } finally {
    if (tailing === job) tailing = null;
  }
}

async function renderMetrics(d) {
  const names = ((d.AlgorithmSpecification || {}).MetricDefinitions || []).map((m) => m.Name);
  const box = $("metrics");
  if (!names.length) { box.textContent = "No MetricDefinitions."; return; }
  const created = d.CreationTime;
  const charts = [];
  for (const name of names) {
    let points = [];
    try {
      const answer = await aws("GetMetricStatistics", { Namespace: "/aws/sagemaker/TrainingJobs", MetricName: name,
        Dimensions: [{ Name: "TrainingJobName", Value: d.TrainingJobName }], StartTime: created,
        EndTime: now() + 60, Period: 60, Statistics: ["Average"] }, "GraniteServiceVersion20100801");
      points = answer.Datapoints.map((p) => [p.Timestamp, p.Average]).sort((a, b) => a[0] - b[0]);
    } catch (err) { showError(err); }
    const figure = document.createElement("figure");
    figure.className = "metric";
    const caption = document.createElement("figcaption");
    const last = points.length ? points[points.length - 1][1] : null;
    caption.textContent = `${name}: ${last === null ? "no data yet" : Number(last.toPrecision(6))}`;
    figure.append(caption);
    if (points.length > 1) {
      const xs = points.map((p) => p[0]), ys = points.map((p) => p[1]);
      const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
      const chart = svg("svg", { viewBox: "0 0 300 60", preserveAspectRatio: "none", role: "img",
        "aria-label": `${name} over time` });
      chart.append(svg("polyline", { points: points.map(([x, y]) =>
        `${((x - x0) / (x1 - x0 || 1)) * 300},${58 - ((y - y0) / (y1 - y0 || 1)) * 56}`).join(" ") }));
      figure.append(chart);
    }
    charts.push(figure);
  }
  box.replaceChildren(...charts);
}

// ---- new jobs --------------------------------------------------------------------------------------
function openNew() {
  const select = $("scenario");
  if (!select.options.length) {
    select.replaceChildren(...state.scenarios.map((s) => new Option(s.name, s.name)));
  }
  suggestName();
  if (!$("request-body").value && state.scenarios.length) {
    $("request-body").value = JSON.stringify({ ...state.scenarios[0].request, TrainingJobName: "my-job" }, null, 2);
  }
  $("new-errors").hidden = true;
  for (const id of ["scenario-name", "request-body"]) $(id).removeAttribute("aria-invalid");
  $("new-dialog").showModal();
}

function suggestName() {
  const scenario = state.scenarios.find((s) => s.name === $("scenario").value);
  $("scenario-description").textContent = scenario ? scenario.description : "";
  let n = 1;
  while (state.jobs.has(`${$("scenario").value}-${n}`)) n += 1;
  $("scenario-name").value = `${$("scenario").value}-${n}`;
}

function showProblems(err) {
  const list = $("new-errors");
  list.replaceChildren();
  const field = document.querySelector("input[name=from]:checked").value === "scenario" ? "scenario-name" : "request-body";
  $(field).setAttribute("aria-invalid", "true");
  $(field).setAttribute("aria-describedby", "new-errors");
  $(field).after(list);  // the problems sit right under the field they are about
  // "2 validation errors detected: Value '…' at 'trainingJobName' failed to satisfy constraint: …; …"
  const text = err.message || String(err);
  const body = text.replace(/^\d+ validation errors? detected: /, "");
  for (const part of body === text ? [text] : body.split(/; (?=Value )/)) {
    const li = document.createElement("li");
    const field = /at '([^']+)'/.exec(part);
    li.textContent = field ? `${field[1]}: ${part}` : `${err.code ? err.code + ": " : ""}${part}`;
    list.append(li);
  }
  list.hidden = false;
}

async function createJob(event) {
  event.preventDefault();
  let request;
  if (document.querySelector("input[name=from]:checked").value === "scenario") {
    const scenario = state.scenarios.find((s) => s.name === $("scenario").value);
    const tags = (scenario.request.Tags || []).filter((t) => t.Key !== "tjsim:scenario");
    request = { ...scenario.request, TrainingJobName: $("scenario-name").value,
      Tags: [...tags, { Key: "tjsim:scenario", Value: scenario.name }] };
  } else {
    try {
      request = JSON.parse($("request-body").value);
    } catch (err) {
      showProblems(new CallError("SerializationException", `the request is not JSON: ${err.message}`));
      return;
    }
  }
  try {
    await aws("CreateTrainingJob", request);
    $("new-dialog").close();
    location.hash = `#/job/${encodeURIComponent(request.TrainingJobName)}`;
  } catch (err) {
    showProblems(err);
  }
}

// ---- routes and wiring -----------------------------------------------------------------------------
function route() {
  const found = /^#\/job\/(.+)$/.exec(location.hash);
  let name = null;
  try { name = found ? decodeURIComponent(found[1]) : null; } catch { name = null; }
  if (name) {
    openJob(name);
  } else {
    const wasJob = state.job !== null;
    state.job = null;
    $("job-view").hidden = true;
    $("jobs-view").hidden = false;
    renderList();
    if (wasJob) $("jobs-title").focus();
  }
}

function wire() {
  $("clock-pause").onclick = () => act(async () => setClock(await control("/_tjsim/clock/pause", {})));
  $("clock-play").onclick = () => act(async () =>
    setClock(await control("/_tjsim/clock/play", { speed: Number($("clock-speed").value) })));
  $("clock-next").onclick = () => act(async () => setClock(await control("/_tjsim/clock/next", {})));
  $("clock-advance").onclick = () => act(async () =>
    setClock(await control("/_tjsim/clock/advance", { seconds: seconds($("clock-by").value) })));
  $("job-next").onclick = () => act(async () =>
    setClock(await control("/_tjsim/clock/next", { TrainingJobName: state.job })));
  $("job-stop").onclick = () => act(() => aws("StopTrainingJob", { TrainingJobName: state.job }));
  $("job-interrupt").onclick = () => act(() =>
    control(`/_tjsim/jobs/${encodeURIComponent(state.job)}/inject`, { type: "interrupt" }));
  $("job-fail").onclick = () => act(() => control(`/_tjsim/jobs/${encodeURIComponent(state.job)}/inject`,
    { type: "fail", error: $("fail-error").value, message: $("fail-message").value }));
  $("job-update").onclick = async () => {
    const box = $("update-error");
    box.hidden = true;
    try {
      const changes = JSON.parse($("update-body").value);
      await aws("UpdateTrainingJob", { ...changes, TrainingJobName: state.job });
    } catch (err) {
      box.textContent = err.code ? `${err.code}: ${err.message}` : `not JSON: ${err.message}`;
      box.hidden = false;
    }
  };
  $("log-stream").onchange = () => { state.log = { stream: null, token: null, lines: [] }; tailing = null; tailLog(); };
  $("filter-status").onchange = (e) => { state.filter.status = e.target.value; state.page = 0; renderList(); };
  $("filter-name").oninput = (e) => { state.filter.name = e.target.value; state.page = 0; renderList(); };
  $("page-prev").onclick = () => { state.page -= 1; renderList(); };
  $("page-next").onclick = () => { state.page += 1; renderList(); };
  for (const button of document.querySelectorAll("#jobs th button")) {
    button.onclick = () => {
      const key = button.dataset.sort;
      state.sort = { key, dir: state.sort.key === key ? -state.sort.dir : 1 };
      renderList();
    };
  }
  $("new-job").onclick = openNew;
  $("new-cancel").onclick = () => $("new-dialog").close();
  $("new-form").onsubmit = createJob;
  $("scenario").onchange = suggestName;
  for (const radio of document.querySelectorAll("input[name=from]")) {
    radio.onchange = () => {
      const scenario = document.querySelector("input[name=from]:checked").value === "scenario";
      $("from-scenario").hidden = !scenario;
      $("from-request").hidden = scenario;
      $("scenario-name").required = scenario;
    };
  }
  window.addEventListener("hashchange", route);
  let resized = null;
  window.addEventListener("resize", () => {
    clearTimeout(resized);
    resized = setTimeout(() => { if (state.job && state.described) renderTimeline(state.described); }, 100);
  });
}

async function start() {
  wire();
  state.settings = await control("/_tjsim/console/settings.json");
  state.scenarios = (await control("/_tjsim/scenarios")).scenarios;
  await act(load);
  route();
  // the clock: read again every 2 s (a running clock is drawn in between); the list's elapsed times too
  setInterval(() => act(async () => setClock(await control("/_tjsim/clock"))), 2000);
  setInterval(() => { renderClock(); if (state.clock && state.clock.mode === "realtime") renderSoon(); }, 1000);
  setInterval(() => { if (state.job && state.clock && state.clock.mode === "realtime") tailLog(); }, 3000);
}

window.tjsim = state;  // for a test or a curious developer: the page's state
start();
