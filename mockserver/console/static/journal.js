// The request journal, live: every /api exchange with its bodies, and for each accepted metadata write the
// difference it made to the VM's metadata (paired with its change by method and path, newest first).
"use strict";

const journalView = { path: "", method: "", status: "", text: "", open: new Set(), drawn: null };
const SHOWN = 200;

function isMetadataWrite(entry) {
  return ["PUT", "POST", "DELETE"].includes(entry.method) && entry.status < 300 &&
    /^\/api\/cloud\/virtualdatacenters\/\d+\/virtualappliances\/\d+\/virtualmachines\/\d+\/(metadata|action\/restorebackup)$/.test(entry.path);
}

// Both lists are newest first and appended in the order requests finish: the n-th newest write to a path
// pairs with the n-th newest change recorded for it.
function pairChanges(entries, changes) {
  const queues = new Map();
  for (const change of changes) {
    const key = `${change.method} ${change.path}`;
    if (!queues.has(key)) queues.set(key, []);
    queues.get(key).push(change);
  }
  const paired = new Map();
  for (const entry of entries) {
    if (!isMetadataWrite(entry)) continue;
    const queue = queues.get(`${entry.method} ${entry.path}`);
    if (queue && queue.length) paired.set(entry.id, queue.shift());
  }
  return paired;
}

function shortValue(value) {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > 80 ? text.slice(0, 77) + "…" : text;
}

function diffSummary(change) {
  if (!change.diff.length) return h("span", { class: "muted" }, "metadata unchanged");
  return change.diff.map((d) => h("span", { class: `delta delta-${d.change}` }, `${d.path} ${d.change}`));
}

function renderDiff(change) {
  const lines = change.diff.map((d) => h("div", { class: `diff-line delta-${d.change}`, dataset: { path: d.path, change: d.change } },
    d.change === "added" ? "+ " : d.change === "removed" ? "− " : "~ ", h("strong", {}, d.path), " ",
    d.change === "added" ? shortValue(d.after) : d.change === "removed" ? shortValue(d.before) : `${shortValue(d.before)} → ${shortValue(d.after)}`));
  return h("div", { class: "diff" },
    h("h4", {}, `Metadata of VM ${change.vm}: what this write changed`),
    lines.length ? lines : h("p", { class: "muted" }, "Nothing: the metadata is the same as before."),
    h("div", { class: "before-after" },
      h("div", {}, h("h5", {}, "before"), json(change.before)),
      h("div", {}, h("h5", {}, "after"), json(change.after))));
}

function body(text) {
  if (!text) return h("span", { class: "muted" }, "(empty)");
  try {
    return json(JSON.parse(text));
  } catch (error) {
    return h("pre", { class: "json" }, text);
  }
}

function renderEntry(entry, change) {
  const open = journalView.open.has(entry.id);
  const dataset = { entry: entry.id, metadataPath: change ? entry.path : undefined };
  const row = h("tr", { class: `entry ${entry.status >= 400 ? "failed" : ""}`, dataset, onclick: () => {
    if (open) journalView.open.delete(entry.id); else journalView.open.add(entry.id);
    app.refresh();
  } },
    h("td", { class: "date" }, entry.time.slice(11, 23)), h("td", {}, h("strong", {}, entry.method)),
    h("td", { class: "path" }, entry.path + (entry.query ? "?" + entry.query : "")), h("td", {}, entry.user || "—"),
    h("td", {}, badge(entry.status, entry.status >= 400 ? "status-failed" : "status-done")),
    h("td", {}, change ? diffSummary(change) : null));
  if (!open) return [row];
  const detail = h("tr", { class: "detail" }, h("td", { colspan: 6 },
    change ? renderDiff(change) : null,
    h("div", { class: "before-after" },
      h("div", {}, h("h5", {}, "request body"), body(entry.requestBody), h("h5", {}, "request headers"), json(entry.requestHeaders)),
      h("div", {}, h("h5", {}, "response body"), body(entry.responseBody), h("h5", {}, "response headers"), json(entry.responseHeaders)))));
  return [row, detail];
}

function journalFilters(reload) {
  const v = journalView;
  const input = (name, placeholder) => h("input", { type: "search", name, placeholder, value: v[name], onchange: (e) => { v[name] = e.target.value; reload(); } });
  const choose = (name, options) => h("select", { name, onchange: (e) => { v[name] = e.target.value; reload(); } },
    options.map(([value, text]) => h("option", { value, selected: v[name] === value }, text)));
  return h("div", { class: "filters" }, input("path", "path starts with, e.g. /api/cloud"),
    choose("method", [["", "any method"], ["GET", "GET"], ["PUT", "PUT"], ["POST", "POST"], ["DELETE", "DELETE"]]),
    choose("status", [["", "any status"], ["2", "2xx"], ["4", "4xx"], ["5", "5xx"], ["meta", "metadata writes"]]),
    input("text", "text in path or bodies"));
}

function keep(entry) {
  const v = journalView;
  if (v.status === "meta" && !isMetadataWrite(entry)) return false;
  if (v.status && v.status !== "meta" && !String(entry.status).startsWith(v.status)) return false;
  if (v.text && ![entry.path, entry.query, entry.requestBody, entry.responseBody].some((t) => (t || "").includes(v.text))) return false;
  return true;
}

// The newest requests matching the filters the server knows, oldest first. A journal that pages answers the
// first call with the total only; one that does not answers everything at once.
async function newestRequests() {
  const v = journalView;
  const status = ["2", "4", "5"].includes(v.status) ? `${v.status}xx` : "";
  const filters = { path: v.path, method: v.method, status };
  const first = await call("GET", "/_mock/journal" + query({ ...filters, limit: 0 }));
  if (first.collection.length >= first.totalSize) return first;
  const startwith = Math.max(0, first.totalSize - SHOWN);
  return call("GET", "/_mock/journal" + query({ ...filters, startwith, limit: SHOWN }));
}

async function journalPage(main) {
  const table = h("table", { class: "grid journal", id: "journal" });
  const count = h("span", { class: "muted", id: "journal-count" });
  const actions = h("div", { class: "actions" });
  main.append(h("div", { class: "vms" }, h("div", { class: "vm-head" }, h("h2", {}, "Request journal"), count, actions),
    journalFilters(() => app.refresh()), table));
  if (window.journalActions) journalActions(actions);
  journalView.drawn = null;
  const load = async () => {
    const [journal, changes] = await Promise.all([newestRequests(), call("GET", "/_mock/console/api/metadatachanges")]);
    // Redraw only when something changed, so that a reader's selection and open rows stay put.
    const newest = journal.collection.length ? journal.collection[journal.collection.length - 1].id : 0;
    const shape = JSON.stringify([journal.totalSize, newest, changes.totalSize, [...journalView.open],
      journalView.path, journalView.method, journalView.status, journalView.text]);
    if (shape === journalView.drawn) return;
    journalView.drawn = shape;
    const entries = journal.collection.slice().reverse().filter(keep);
    const paired = pairChanges(journal.collection.slice().reverse(), changes.collection);
    journalView.shown = entries;
    count.textContent = `${entries.length} of ${journal.totalSize} requests${entries.length > SHOWN ? `, newest ${SHOWN} shown` : ""}`;
    table.replaceChildren(
      h("thead", {}, h("tr", {}, ["time", "method", "path", "user", "status", "metadata change"].map((t) => h("th", {}, t)))),
      h("tbody", {}, entries.slice(0, SHOWN).map((e) => renderEntry(e, paired.get(e.id)))));
  };
  app.refresh = load;
  await load();
  every(1500, () => load().catch(() => {}));
}
