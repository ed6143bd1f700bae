// The report works without this script (every failure is a <details> that opens by itself); it only opens the
// failure a matrix cell points at, with the world around it, and expands or collapses them all.
(function () {
  "use strict";

  function openTo(element) {
    for (let node = element; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") {
        node.open = true;
      }
    }
  }

  function show(id) {
    const target = document.getElementById(id);
    if (!target) {
      return;
    }
    openTo(target);
    document.querySelectorAll(".flagged").forEach(function (node) { node.classList.remove("flagged"); });
    target.classList.add("flagged");
    target.scrollIntoView({ block: "start" });
  }

  document.addEventListener("click", function (event) {
    const link = event.target.closest("a[data-failure]");
    if (link) {
      event.preventDefault();
      show(link.getAttribute("data-failure"));
      history.replaceState(null, "", "#" + link.getAttribute("data-failure"));
    }
  });

  function setAll(open) {
    document.querySelectorAll("details.world, details.failure").forEach(function (node) { node.open = open; });
  }

  const expand = document.getElementById("expand-all");
  const collapse = document.getElementById("collapse-all");
  if (expand) { expand.addEventListener("click", function () { setAll(true); }); }
  if (collapse) { collapse.addEventListener("click", function () { setAll(false); }); }
  if (location.hash.length > 1) {
    show(decodeURIComponent(location.hash.slice(1)));
  }
})();
