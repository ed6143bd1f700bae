// Handing a reproduction over: the world saved as a scenario, the journal's requests exported as a script.
"use strict";

function download(fileName, text, type) {
  const link = h("a", { href: URL.createObjectURL(new Blob([text], { type })), download: fileName });
  document.body.append(link);
  link.click();
  link.remove();
}

function saveWorldForm() {
  const name = h("input", { type: "text", id: "save-name", placeholder: "scenario name, e.g. bug-1234", pattern: "[A-Za-z0-9][A-Za-z0-9_.-]{0,63}" });
  const description = h("input", { type: "text", id: "save-description", placeholder: "what it reproduces" });
  const form = h("form", { class: "save-world", id: "save-world", onsubmit: async (event) => {
    event.preventDefault();
    try {
      const saved = await call("POST", "/_mock/console/api/scenarios", { name: name.value, description: description.value });
      say(`Saved as scenario ${saved.name} (${saved.path}): pick it above and Reset to load it back`);
      await setUpScenarios();
    } catch (error) {
      say(error.message, "error");
    }
  } },
  h("h3", {}, "Save this world as a scenario"), name, description,
  h("div", { class: "buttons" },
    h("button", { type: "submit" }, "Save into the scenarios"),
    h("button", { type: "button", id: "download-world", onclick: async () => {
      try {
        const answer = await call("GET", "/_mock/console/api/scenario" + query({ name: name.value || "saved-world", description: description.value }));
        download(answer.fileName, answer.yaml, "application/yaml");
      } catch (error) {
        say(error.message, "error");
      }
    } }, "Download YAML")));
  return form;
}

function journalActions(actions) {
  actions.append(h("button", { type: "button", id: "export-requests", onclick: async () => {
    const entries = (journalView.shown || []).slice().reverse(); // oldest first: the order they happened in
    if (!entries.length) return say("No request to export", "error");
    try {
      const answer = await call("POST", "/_mock/console/api/replayscript", { entries });
      download(answer.fileName, answer.script, "text/x-python");
      say(`Exported ${entries.length} requests as ${answer.fileName}: python ${answer.fileName} ${location.origin} --reset SCENARIO`);
    } catch (error) {
      say(error.message, "error");
    }
  } }, "Export these requests"));
}
