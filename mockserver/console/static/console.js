// The QA console: plain DOM, no framework, no build step. Every piece of the world comes from the control API.
"use strict";

const SOURCE_TEXT = {
  policy: "fixed by policy",
  vm: "defined in VM",
  "not-apply": "NOT_APPLY: the backup system decides",
  unknown: "policy or configuration missing",
};
const app = {
  token: sessionStorage.getItem("abiquoMockToken") || "",
  generation: null,
  refresh: null, // the current page's reload, run when the world changes
  pollers: [],
  cleanups: [], // what a page leaves running (an open stream), stopped when another page opens
  list: { search: "", state: "", schedule: "", notApply: "", datacenter: "", enterprise: "", machine: "", startwith: 0, limit: 25 },
};

// --- small helpers ------------------------------------------------------------------------------------

function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "class") node.className = value;
    else if (key === "dataset") {
      for (const [name, v] of Object.entries(value)) if (v !== undefined && v !== null) node.dataset[name] = v;
    }
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function say(text, kind) {
  const box = document.getElementById("message");
  box.textContent = text;
  box.className = kind || "info";
  box.hidden = !text;
  if (text && kind !== "error") setTimeout(() => { if (box.textContent === text) box.hidden = true; }, 4000);
}

async function call(method, path, body) {
  const headers = { Accept: "application/json" };
  if (app.token) headers["X-Mock-Token"] = app.token;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (response.status === 401 && path.startsWith("/_mock")) {
    document.getElementById("token-form").hidden = false;
    throw new Error("The control API needs its token: enter it at the top right");
  }
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const error = data && data.collection && data.collection[0];
    throw new Error(error ? `${error.code}: ${error.message}` : `HTTP ${response.status}`);
  }
  return data;
}

function query(params) {
  const kept = Object.entries(params).filter(([, v]) => v !== "" && v !== null && v !== undefined);
  return kept.length ? "?" + new URLSearchParams(kept).toString() : "";
}

function badge(text, kind) {
  return h("span", { class: `badge ${kind || ""}` }, text);
}

function stateBadge(state) {
  return badge(state, state === "NOT_ALLOCATED" ? "off" : state === "ON" ? "on" : "other");
}

function json(value) {
  return h("pre", { class: "json" }, JSON.stringify(value, null, 2));
}

function every(ms, fn) {
  const id = setInterval(fn, ms);
  app.pollers.push(id);
}

// --- routing ------------------------------------------------------------------------------------------

const ROUTES = [
  [/^#\/vm\/(\d+)$/, "world", (main, id) => vmPage(main, Number(id))],
  [/^#\/dc\/(\d+)$/, "world", (main, id) => datacenterPage(main, Number(id))],
  [/^#\/journal$/, "journal", (main) => journalPage(main)],
  [/^#\/events$/, "events", (main) => eventsPage(main)],
  [/^#\/faults$/, "faults", (main) => faultsPage(main)],
  [/.*/, "world", (main) => worldPage(main)],
];

async function route() {
  app.pollers.forEach(clearInterval);
  app.pollers = [];
  app.cleanups.forEach((stop) => stop());
  app.cleanups = [];
  app.refresh = null;
  const main = document.getElementById("main");
  main.replaceChildren();
  const hash = location.hash || "#/";
  for (const [pattern, tab, page] of ROUTES) {
    const match = hash.match(pattern);
    if (!match) continue;
    document.querySelectorAll("nav a").forEach((a) => a.classList.toggle("active", a.dataset.tab === tab));
    try {
      await page(main, ...match.slice(1));
    } catch (error) {
      say(error.message, "error");
    }
    return;
  }
}

// The world changed (a connector wrote, someone reset): reload what the page shows.
async function watchGeneration() {
  try {
    const health = await call("GET", "/_mock/health");
    const changed = app.generation !== null && health.generation !== app.generation;
    app.generation = health.generation;
    document.getElementById("generation").textContent = `${health.scenario || "store"} · generation ${health.generation}`;
    if (changed && app.refresh) await app.refresh();
  } catch (error) {
    /* the next tick tries again */
  }
}

// --- header: scenario picker, reset, token ------------------------------------------------------------

async function setUpScenarios() {
  const select = document.getElementById("scenario");
  const [scenarios, health] = await Promise.all([call("GET", "/_mock/scenarios"), call("GET", "/_mock/health")]);
  const chosen = select.value || health.scenario;
  select.replaceChildren(  // a file that cannot be loaded is shown, with why, and cannot be picked
    ...scenarios.collection.map((s) => h("option", { value: s.name, title: s.broken || s.description, selected: s.name === chosen && !s.broken,
      disabled: Boolean(s.broken), class: s.broken ? "broken" : null }, s.broken ? `${s.name} (broken)` : s.name))
  );
}

document.getElementById("reset").addEventListener("click", async () => {
  try {
    const answer = await call("POST", "/_mock/reset", { scenario: document.getElementById("scenario").value });
    say(`World replaced by scenario ${answer.scenario} (${answer.elapsedMs} ms)`);
    await watchGeneration();
    await route();
  } catch (error) {
    say(error.message, "error");
  }
});

document.getElementById("token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  app.token = document.getElementById("token").value;
  sessionStorage.setItem("abiquoMockToken", app.token);
  document.getElementById("token-form").hidden = true;
  say("");
  start();
});

// --- the world ----------------------------------------------------------------------------------------

async function worldPage(main) {
  const tree = h("aside", { class: "tree" });
  const results = h("div", { class: "results" });
  const save = saveWorldForm(); // kept across reloads, so that what is typed survives a write
  main.append(h("div", { class: "world" }, tree, h("section", { class: "vms" }, vmFilters(results), results)));
  const load = async () => {
    const world = await call("GET", "/_mock/console/api/world");
    tree.replaceChildren(...renderTree(world), save);
    await loadVms(results);
  };
  app.refresh = load;
  await load();
}

function filterLink(text, filter, value, title) {
  return h("a", {
    href: "#/",
    title,
    class: String(app.list[filter]) === String(value) ? "chosen" : null,
    onclick: (event) => {
      event.preventDefault();
      for (const key of ["datacenter", "enterprise", "machine"]) app.list[key] = "";
      app.list[filter] = value;
      app.list.startwith = 0;
      route();
    },
  }, text);
}

function machineItem(m) {
  return h("li", {}, filterLink(m.name, "machine", m.id, `${m.type} ${m.ip}`), h("span", { class: "muted" }, ` ${m.vms} VM`));
}

function datacenterItem(dc) {
  const racks = dc.racks.map((rack) => h("li", {}, `rack ${rack.name}`, h("ul", {}, rack.machines.map(machineItem))));
  return h("li", {},
    filterLink(dc.name, "datacenter", dc.id, "Show this datacenter's VMs"), " ",
    h("a", { href: `#/dc/${dc.id}`, class: "small" }, "properties & policies"),
    h("ul", {}, racks));
}

function enterpriseItem(e) {
  const limits = e.limits.map((limit) => h("li", {}, `limit in ${limit.datacenterName}: `,
    limit.allowed.length
      ? limit.allowed.map((p) => h("a", { href: `#/dc/${limit.datacenter}`, class: "policy" }, p.code))
      : h("span", { class: "muted" }, "no policy allowed")));
  return h("li", {}, filterLink(e.name, "enterprise", e.id, "Show this enterprise's VMs"), h("ul", {}, limits));
}

function renderTree(world) {
  const c = world.counts;
  const datacenters = world.datacenters.map(datacenterItem);
  const enterprises = world.enterprises.map(enterpriseItem);
  return [
    h("p", { class: "muted" }, `${c.virtualmachines} VMs · ${c.datacenters} datacenters · ${c.enterprises} enterprises · ${c.events} events`),
    filterLink("All VMs", "datacenter", "", "Clear the filter"),
    h("h3", {}, "Datacenters → racks → machines"), h("ul", {}, datacenters),
    h("h3", {}, "Enterprises → limits → allowed policies"), h("ul", {}, enterprises),
  ];
}

function vmFilters(results) {
  const f = app.list;
  const search = h("input", { type: "search", id: "vm-search", placeholder: "Search id, name, uuid, policy code", value: f.search });
  let timer = null;
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => { f.search = search.value; f.startwith = 0; loadVms(results); }, 200);
  });
  const choose = (name, options) => h("select", { name, onchange: (e) => { f[name] = e.target.value; f.startwith = 0; loadVms(results); } },
    options.map(([value, text]) => h("option", { value, selected: f[name] === value }, text)));
  return h("div", { class: "filters" }, search,
    choose("state", [["", "any state"], ["ON", "ON"], ["OFF", "OFF"], ["NOT_ALLOCATED", "NOT_ALLOCATED"]]),
    choose("schedule", [["", "schedule or not"], ["yes", "with schedule"], ["no", "without schedule"]]),
    choose("notApply", [["", "any policy"], ["yes", "bound to NOT_APPLY"]]));
}

async function loadVms(results) {
  const f = app.list;
  const ticket = (app.listTicket = (app.listTicket || 0) + 1);
  const page = await call("GET", "/_mock/console/api/virtualmachines" + query(f));
  if (ticket !== app.listTicket) return; // a newer search answered, or will
  const last = Math.min(f.startwith + page.collection.length, page.totalSize);
  results.replaceChildren(
    h("table", { class: "grid", id: "vm-table" },
      h("thead", {}, h("tr", {}, ["id", "name", "state", "datacenter", "enterprise", "machine", "schedule", "policies"].map((t) => h("th", {}, t)))),
      h("tbody", {}, page.collection.map((vm) => h("tr", { dataset: { vm: vm.id } },
        h("td", {}, vm.id), h("td", {}, h("a", { href: `#/vm/${vm.id}` }, vm.name)), h("td", {}, stateBadge(vm.state)),
        h("td", {}, vm.datacenterName), h("td", {}, vm.enterpriseName), h("td", {}, vm.machineName || "—"),
        h("td", {}, vm.hasSchedule ? "yes" : "—"),
        h("td", {}, vm.policies.map((code) => badge(code, "policy")), vm.notApply ? badge("NOT_APPLY", "not-apply") : null))))),
    h("div", { class: "pager" },
      h("button", { type: "button", disabled: f.startwith === 0, onclick: () => { f.startwith = Math.max(0, f.startwith - f.limit); loadVms(results); } }, "‹ previous"),
      h("span", { id: "vm-count" }, page.totalSize ? `${f.startwith + 1}–${last} of ${page.totalSize}` : "no VM matches"),
      h("button", { type: "button", disabled: last >= page.totalSize, onclick: () => { f.startwith += f.limit; loadVms(results); } }, "next ›")));
}

// --- one VM -------------------------------------------------------------------------------------------

async function vmPage(main, id) {
  const load = async () => {
    const vm = await call("GET", `/_mock/console/api/virtualmachines/${id}`);
    main.replaceChildren(renderVm(vm));
  };
  app.refresh = load;
  await load();
}

async function setState(vm, state) {
  try {
    await call("PUT", `/_mock/virtualmachines/${vm.id}/state`, { state });
    say(`${vm.name} is now ${state}`);
    await watchGeneration();
    if (app.refresh) await app.refresh();
  } catch (error) {
    say(error.message, "error");
  }
}

function renderVm(vm) {
  const where = [vm.enterprise && vm.enterprise.name, vm.datacenter && vm.datacenter.name, vm.machine ? `on ${vm.machine.name}` : "on no machine"];
  return h("div", { class: "vm-page", dataset: { vm: vm.id } },
    h("div", { class: "vm-head" },
      h("h2", {}, vm.name, " ", stateBadge(vm.state)),
      h("p", { class: "muted" }, where.filter(Boolean).join(" · "), " · ", h("code", {}, vm.apiPath)),
      h("div", { class: "actions" },
        h("button", { type: "button", id: "deploy", disabled: vm.deployed, onclick: () => setState(vm, "ON") }, "Deploy"),
        h("button", { type: "button", id: "undeploy", disabled: !vm.deployed, onclick: () => setState(vm, "NOT_ALLOCATED") }, "Undeploy"))),
    h("div", { class: "vm-body" },
      h("div", { class: "vm-read" },
        h("h3", {}, "Backup schedule"), scheduleTable(vm),
        h("h3", {}, "Policy bindings"), bindings(vm),
        h("h3", {}, "Backup results"), results(vm),
        h("h3", {}, "Custom keys"), customKeys(vm.customKeys)),
      h("div", { class: "vm-raw" }, h("h3", {}, "Stored document"), json(vm.document))));
}

function scheduleTable(vm) {
  const t = vm.schedule;
  if (!Object.keys(t.cells).length) return h("p", { class: "muted" }, "No backup schedule.");
  const legend = h("p", { class: "legend" }, Object.entries(SOURCE_TEXT).slice(0, 3).map(([k, text]) => h("span", { class: `src src-${k}` }, text)),
    vm.serverPolicies ? h("span", { class: "muted" }, ` · policies written by the server: ${vm.serverPolicies.join(", ")}`) : null);
  const rows = t.types.map((type) => h("tr", {}, h("th", {}, type), t.granularities.map((g) => {
    const cell = t.cells[`${type}/${g}`];
    return h("td", { class: cell ? (cell.notApply ? "cell not-apply" : "cell") : "empty", dataset: { cell: `${type}/${g}` } }, cell ? renderCell(cell) : "");
  })));
  return h("div", {}, legend, h("table", { class: "schedule", id: "schedule" },
    h("thead", {}, h("tr", {}, h("th", {}, "type × granularity"), t.granularities.map((g) => h("th", {}, g)))), h("tbody", {}, rows)));
}

function renderCell(cell) {
  return [
    cell.notApply ? h("div", { class: "not-apply-banner" }, "NOT_APPLY") : null,
    cell.code ? h("div", {}, "policy ", cell.policy ? h("a", { href: `#/dc/${cell.policy.datacenter}`, class: "policy" }, cell.code) : badge(`${cell.code} (missing)`, "warn")) : h("div", { class: "muted" }, "legacy, no policy"),
    h("dl", {}, cell.fields.map((f) => [
      h("dt", {}, f.field),
      h("dd", { class: `src src-${f.source}`, dataset: { field: f.field, source: f.source }, title: SOURCE_TEXT[f.source] },
        f.source === "not-apply" ? "NOT_APPLY" : Array.isArray(f.value) ? f.value.join(", ") : f.value === null ? "(none)" : f.value,
        h("small", {}, f.source === "not-apply" ? "the backup system decides" : SOURCE_TEXT[f.source])),
    ])),
  ];
}

function bindings(vm) {
  if (!vm.bindings.length) return h("p", { class: "muted" }, "Bound to no policy.");
  return h("ul", { class: "bindings" }, vm.bindings.map((b) => h("li", {}, `${b.type}/${b.granularity} → `,
    b.policy ? h("a", { href: `#/dc/${b.policy.datacenter}`, class: "policy" }, `${b.code}`) : badge(`${b.code}: no such policy`, "warn"),
    b.policy ? h("span", { class: "muted" }, ` ${b.policy.name}`) : null)));
}

const RESTORE = "application/vnd.abiquo.restore+json; version=3.8";

// Through the API itself, as the world's user who may: the server sends it as that user (the page never holds
// a password), and the journal, the event log and a replay all see it.
async function requestRestore(vm, result) {
  try {
    const answer = await call("POST", "/_mock/console/api/requests", {
      user: vm.actor.user, method: "POST", path: `${vm.apiPath}/action/restorebackup`,
      headers: { "Content-Type": RESTORE, Accept: "application/vnd.abiquo.errors+json" }, body: JSON.stringify(result),
    });
    if (answer.status >= 400) {
      const error = JSON.parse(answer.body).collection[0];
      throw new Error(`${error.code}: ${error.message}`);
    }
    say(`Restore of ${result.id} requested as ${vm.actor.user}`);
    await watchGeneration();
    if (app.refresh) await app.refresh();
  } catch (error) {
    say(error.message, "error");
  }
}

function restoreButton(vm, r) {
  if (!["done", "complete"].includes(r.status)) return null;
  return h("button", { type: "button", class: "restore-button", disabled: !vm.actor, dataset: { result: r.id },
    title: vm.actor ? `POST …/action/restorebackup as ${vm.actor.user}` : "no user of this world may restore it",
    onclick: () => requestRestore(vm, r) }, "Request restore");
}

function results(vm) {
  const list = vm.results;
  if (!list.length) return h("p", { class: "muted" }, "No backup result.");
  const sorted = [...list].sort((a, b) => String(a.date).localeCompare(String(b.date)));
  return h("ol", { class: "timeline" }, sorted.map((r) => h("li", { class: `result status-${r.status}`, dataset: { result: r.id } },
    h("span", { class: "date" }, r.date || "(no date)"), " ", badge(r.status || "?", `status-${r.status}`), " ",
    h("strong", {}, r.name || r.id), h("span", { class: "muted" }, ` ${r.type || ""} · id ${r.id}${r.size ? " · " + bytes(r.size) : ""}`),
    r.restore || r.restoreInfo ? h("div", { class: "restore" }, "restore: ", badge(r.restore || "—", "restore"),
      r.restoreInfo ? h("span", {}, ` outcome ${JSON.stringify(r.restoreInfo)}`) : null) : null,
    restoreButton(vm, r))));
}

function bytes(size) {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let n = Number(size), u = 0;
  while (n >= 1024 && u < units.length - 1) { n /= 1024; u += 1; }
  return `${n.toFixed(n < 10 && u ? 1 : 0)} ${units[u]}`;
}

function customKeys(keys) {
  const names = Object.keys(keys);
  if (!names.length) return h("p", { class: "muted" }, "No custom key.");
  return h("dl", { class: "custom" }, names.map((k) => [h("dt", {}, k), h("dd", {}, h("pre", {}, typeof keys[k] === "string" ? keys[k] : JSON.stringify(keys[k], null, 2)))]));
}

// --- a datacenter: properties and policies ------------------------------------------------------------

async function datacenterPage(main, id) {
  const load = async () => {
    const dc = await call("GET", `/_mock/console/api/datacenters/${id}`);
    main.replaceChildren(renderDatacenter(dc));
  };
  app.refresh = load;
  await load();
}

function renderDatacenter(dc) {
  const boxes = Object.entries(dc.properties).map(([name, on]) => h("label", { class: "switch" }, h("input", { type: "checkbox", name, checked: on }), ` ${name}`));
  const form = h("form", { class: "properties", id: "properties", onsubmit: async (event) => {
    event.preventDefault();
    const body = Object.fromEntries([...form.querySelectorAll("input")].map((i) => [i.name, i.checked]));
    try {
      await call("PUT", `/_mock/console/api/datacenters/${dc.id}/backupproperties`, body);
      say(`Backup properties of ${dc.name} saved`);
    } catch (error) {
      say(error.message, "error");
    }
  } }, boxes, h("button", { type: "submit" }, "Save properties"));
  return h("div", { class: "dc-page" }, h("h2", {}, `Datacenter ${dc.name}`), h("h3", {}, "Backup properties"), form,
    h("h3", {}, "Backup policies"), dc.policies.length ? dc.policies.map(renderPolicy) : h("p", { class: "muted" }, "No backup policy."));
}

function renderPolicy(p) {
  return h("section", { class: "policy-card", id: `policy-${p.code}` },
    h("h4", {}, badge(p.code, "policy"), ` ${p.name}`), h("p", { class: "muted" }, p.description),
    h("table", { class: "grid" }, h("thead", {}, h("tr", {}, h("th", {}, "type"), h("th", {}, "period"), h("th", {}, "fields and their modes"))),
      h("tbody", {}, p.configurations.map((c) => h("tr", {}, h("td", {}, c.type), h("td", {}, c.period),
        h("td", {}, c.fields.map((f) => h("span", { class: `src src-${f.mode === "vm" ? "vm" : f.mode}`, dataset: { field: f.field, mode: f.mode } },
          `${f.field}: `, f.mode === "policy" ? `${Array.isArray(f.value) ? f.value.join(", ") : f.value} (fixed by policy)` : f.mode === "vm" ? "defined in VM" : "NOT_APPLY"))))))),
    h("p", {}, "Bound VMs: ", p.boundVms.length ? p.boundVms.map((vm) => h("a", { href: `#/vm/${vm.id}`, class: "vm-link" }, vm.name)) : h("span", { class: "muted" }, "none")));
}

// --- events -------------------------------------------------------------------------------------------

async function eventsPage(main) {
  const list = h("ol", { class: "events", id: "events" });
  const how = h("span", { id: "events-live" }, "polling");
  main.append(h("h2", {}, "Event log"), h("p", { class: "muted" }, "What the API recorded, newest first; updated live (", how, ")."), list);
  let after = 0;
  let busy = null;
  const more = () => (busy = (busy || Promise.resolve()).then(async () => {
    const page = await call("GET", `/_mock/console/api/events${query({ after, limit: 200 })}`);
    if (page.collection.length) {
      after = page.collection[0].id;
      list.prepend(...page.collection.map(renderEvent));
    }
    return page;
  }));
  app.refresh = async () => { after = 0; list.replaceChildren(); await more(); };
  const first = await more();
  const streaming = Boolean(first.stream) && (await followStream(first.stream, more));
  if (streaming) {
    how.textContent = "event stream";
    app.refresh = null; // the stream brings the news; the generation watcher need not
  }
  every(streaming ? 15000 : 1000, () => more().catch(() => {})); // with a stream, only a safety net
}

// The mock's own event stream, which the server opens as a user who sees every tenant, read with fetch so that
// it can carry the control token; each message only says "there is news", the feed comes from the console's events.
async function followStream(stream, news) {
  const stop = new AbortController();
  app.cleanups.push(() => stop.abort());
  let response;
  try {
    const headers = app.token ? { "X-Mock-Token": app.token } : {};
    response = await fetch(stream.path, { headers, signal: stop.signal });
  } catch (error) {
    return false;
  }
  if (!response.ok || !response.body) return false;
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  (async () => {
    let pending = "";
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ done: true }));
      if (done) return;
      pending += value;
      const messages = pending.split(/\r?\n\r?\n/);
      pending = messages.pop();
      if (messages.some((m) => /^data:/m.test(m))) news().catch(() => {});
    }
  })();
  return true;
}

function renderEvent(e) {
  const when = new Date(e.timestamp).toISOString().replace("T", " ").slice(0, 19);
  return h("li", { dataset: { action: e.actionPerformed, vm: e.idVirtualMachine } },
    h("span", { class: "date" }, when), " ", badge(e.actionPerformed, "event"), " ",
    e.virtualMachine ? h("a", { href: `#/vm/${e.idVirtualMachine}` }, e.virtualMachine) : h("span", {}, e.entityId), " ",
    h("span", { class: "muted" }, `by ${e.user}`), Object.keys(e.details || {}).length ? h("code", {}, " " + JSON.stringify(e.details)) : null);
}

// --- start --------------------------------------------------------------------------------------------

async function start() {
  try {
    await setUpScenarios();
    await watchGeneration();
  } catch (error) {
    say(error.message, "error");
    return;
  }
  if (!app.started) {
    app.started = true;
    window.addEventListener("hashchange", route);
    setInterval(watchGeneration, 1500);
  }
  await route();
}

// The other scripts of the page define their pages first.
window.addEventListener("DOMContentLoaded", start);
