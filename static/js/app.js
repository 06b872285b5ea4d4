// Small behaviours every page shares. No inline scripts: the CSP allows only our own files.
(function () {
  "use strict";
  // A form marked data-once submits once: a double tap does not send it twice.
  // (Services are idempotent too; this only spares the round trip.)
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-once")) return;
    if (form.dataset.submitted === "yes") { event.preventDefault(); return; }
    form.dataset.submitted = "yes";
    form.querySelectorAll("button[type=submit]").forEach(function (b) {
      b.setAttribute("aria-disabled", "true"); b.classList.add("disabled");
    });
  });
  // Coming back to a page from the browser's history re-enables its forms. A form whose
  // one-time key was already used (data-fresh-on-back) reloads to get a new one, so the
  // next entry is not mistaken for a repeat of the last.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted && document.querySelector("form[data-fresh-on-back][data-submitted]")) {
      window.location.reload();
      return;
    }
    document.querySelectorAll("form[data-submitted]").forEach(function (f) {
      delete f.dataset.submitted;
      f.querySelectorAll("button[type=submit]").forEach(function (b) {
        b.removeAttribute("aria-disabled"); b.classList.remove("disabled");
      });
    });
  });
})();
