/* aula-kg: on the map, a click on a commune (its shape or its name) opens its dossier. The
   map is drawn by the server (pictures.maps), which marks each commune with its INSEE code
   (data-code); the map is an image to assistive technology, so the keyboard's way to a
   dossier is the form above it (and the dossier search), not focusable shapes inside it. */
(function () {
  "use strict";
  var map = document.getElementById("carte");
  if (!map) return;
  function dossier(code) { return "/dossier/commune/" + encodeURIComponent(code); }
  map.addEventListener("click", function (event) {
    var target = event.target.closest("[data-code]");
    if (target && map.contains(target)) window.location.href = dossier(target.dataset.code);
  });
  map.querySelectorAll("g.label[data-code], path.commune[data-code]").forEach(function (element) {
    element.style.cursor = "pointer";
  });
})();
