/* aula-kg: a form shows the values its page's address carries. Coming back to a page
   (back button, page cache), the browser would show what was typed last instead: reset
   each form to the values the server wrote from the address. */
(function () {
  "use strict";
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form.query-form, form.inline-form").forEach(function (form) {
      form.reset();
    });
  });
})();
