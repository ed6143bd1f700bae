// Faults on demand (the /_mock/faults control API): the faults switched on, a form to add one, clear, and
// every fault that fired, live. A panel of its own: a mock without fault injection says so here and nowhere else.
"use strict";

const FAULT_KINDS = ["error", "latency", "drop", "slow-body", "vm-locked", "backup-down"];
// The form's fields, each with the kinds it means something for (an empty list: every kind).
const FAULT_FIELDS = [
  ["route", "text", "*/virtualmachines/*/metadata", []],
  ["method", "text", "* or GET, PUT…", []],
  ["times", "number", "fire on the next N", []],
  ["probability", "number", "0 to 1", []],
  ["code", "text", "503-SERVICE-UNAVAILABLE", ["error"]],
  ["when", "select", ["before", "after"], ["error"]],
  ["delayMs", "number", "milliseconds", ["latency"]],
  ["drop", "select", ["before", "mid-body"], ["drop"]],
  ["bytesPerSecond", "number", "bytes per second", ["slow-body"]],
  ["vm", "number", "VM id", ["vm-locked"]],
  ["datacenter", "number", "datacenter id", ["backup-down"]],
  ["seconds", "number", "how long", ["vm-locked", "backup-down"]],
  ["requests", "number", "refused requests", ["vm-locked", "backup-down"]],
];

function faultForm(reload) {
  const kind = h("select", { name: "kind" }, FAULT_KINDS.map((k) => h("option", { value: k }, k)));
  const inputs = FAULT_FIELDS.map(([name, type, hint, kinds]) => {
    const input = type === "select"
      ? h("select", { name }, h("option", { value: "" }, "—"), hint.map((v) => h("option", { value: v }, v)))
      : h("input", { name, type: type === "number" ? "text" : type, placeholder: hint, inputmode: type === "number" ? "decimal" : null });
    return h("label", { class: "fault-field", dataset: { kinds: kinds.join(" ") } }, name, input);
  });
  const showFields = () => inputs.forEach((label) => {
    const kinds = label.dataset.kinds;
    label.hidden = Boolean(kinds) && !kinds.split(" ").includes(kind.value);
  });
  kind.addEventListener("change", showFields);
  showFields();
  const form = h("form", { class: "fault-form", id: "fault-form", onsubmit: async (event) => {
    event.preventDefault();
    const fault = { kind: kind.value };
    for (const label of inputs) {
      const input = label.querySelector("input, select");
      if (label.hidden || input.value === "") continue;
      const number = FAULT_FIELDS.find((f) => f[0] === input.name)[1] === "number";
      fault[input.name] = number ? Number(input.value) : input.value;
    }
    try {
      const added = await call("POST", "/_mock/faults", fault);
      say(`Fault ${added.collection.map((r) => r.id).join(", ")} switched on`);
      await reload();
    } catch (error) {
      say(error.message, "error");
    }
  } }, h("label", { class: "fault-field" }, "kind", kind), inputs, h("button", { type: "submit" }, "Add fault"));
  return form;
}

function faultRow(rule) {
  const shown = Object.entries(rule).filter(([k]) => !["id", "kind", "fired"].includes(k));
  return h("tr", { dataset: { rule: rule.id } }, h("td", {}, h("strong", {}, rule.id)), h("td", {}, badge(rule.kind, "warn")),
    h("td", {}, shown.map(([k, v]) => h("span", { class: "kv" }, `${k}: ${typeof v === "object" ? JSON.stringify(v) : v}`))),
    h("td", {}, rule.fired === undefined ? "" : `${rule.fired}×`));
}

function firedRow(entry) {
  const details = Object.entries(entry).filter(([k]) => !["rule", "kind", "method", "path", "time"].includes(k));
  return h("li", { dataset: { rule: entry.rule } }, h("span", { class: "date" }, entry.time), " ", badge(entry.rule, "warn"), " ",
    h("strong", {}, entry.method || ""), " ", h("code", {}, entry.path || ""), " ",
    h("span", { class: "muted" }, details.map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : v}`).join(" · ")));
}

async function faultsPage(main) {
  let plan;
  try {
    plan = await call("GET", "/_mock/faults");
  } catch (error) {
    main.append(h("h2", {}, "Faults"), h("p", { class: "muted", id: "no-faults" }, "This mock has no fault injection."));
    return;
  }
  const rules = h("tbody", { id: "faults" });
  const fired = h("ol", { class: "events", id: "fired" });
  const summary = h("span", { class: "muted" });
  const load = async () => {
    const [now, shots] = await Promise.all([call("GET", "/_mock/faults"), call("GET", "/_mock/faults/fired")]);
    summary.textContent = `seed ${now.seed} · ${now.collection.length} faults on · ${shots.totalSize} fired`
      + (now.outages && now.outages.length ? ` · ${now.outages.length} outages running` : "");
    rules.replaceChildren(...(now.collection.length ? now.collection.map(faultRow) : [h("tr", {}, h("td", { colspan: 4, class: "muted" }, "No fault is on."))]));
    fired.replaceChildren(...shots.collection.slice().reverse().map(firedRow));
  };
  const clear = h("button", { type: "button", id: "clear-faults", onclick: async () => {
    try {
      await call("DELETE", "/_mock/faults");
      say("Every fault switched off");
      await load();
    } catch (error) {
      say(error.message, "error");
    }
  } }, "Clear all faults");
  main.append(h("div", { class: "vms" },
    h("div", { class: "vm-head" }, h("h2", {}, "Faults"), summary, h("div", { class: "actions" }, clear)),
    h("p", { class: "muted" }, "Abiquo errors, latency, dropped connections, slow bodies, VMs locked by a task, a datacenter's backup service down: on demand, per route and method, replayed by the same seed."),
    faultForm(load),
    h("h3", {}, "Switched on"), h("table", { class: "grid" }, h("thead", {}, h("tr", {}, ["id", "kind", "fields", "fired"].map((t) => h("th", {}, t)))), rules),
    h("h3", {}, "Fired, newest first"), fired));
  app.refresh = load;
  void plan;
  await load();
  every(1500, () => load().catch(() => {}));
}
