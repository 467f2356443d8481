// Swagger UI over the app's own OpenAPI document, inside the site's page (no CDN).
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  presets: [SwaggerUIBundle.presets.apis]
});

// An operation's summary is a button; the path link Swagger UI puts inside it is a second
// control inside the first (axe-core: nested-interactive). Keep its text, drop the link.
(function () {
  "use strict";
  function unnest(root) {
    root.querySelectorAll(".opblock-summary-control a").forEach(function (link) {
      var span = document.createElement("span");
      span.className = link.className;
      span.textContent = link.textContent;
      link.replaceWith(span);
    });
    root.querySelectorAll(".opblock-summary-control [tabindex], .opblock-summary-control button")
      .forEach(function (inner) {
        if (inner.tagName === "BUTTON") inner.setAttribute("tabindex", "-1");
      });
  }
  var target = document.getElementById("swagger-ui");
  new MutationObserver(function () { unnest(target); })
    .observe(target, { childList: true, subtree: true });
})();
