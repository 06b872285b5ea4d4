// Small behaviours every page shares. No inline scripts: the CSP allows only our own files.
(function () {
  "use strict";
  // A form with data-confirm asks first (registered before data-once, so a "no" leaves
  // the form usable).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.confirm) return;
    if (!window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  });
  // A supervision log offers only the clients of the supervisees ticked (and any client
  // already ticked, so nothing chosen disappears).
  function showSupervisedClients(form) {
    var ticked = {};
    form.querySelectorAll("[data-supervisees] input:checked").forEach(function (box) {
      ticked[box.value] = true;
    });
    form.querySelectorAll("[data-client-of]").forEach(function (chip) {
      var box = chip.querySelector("input");
      chip.hidden = !(ticked[chip.dataset.clientOf] || (box && box.checked));
    });
  }
  document.querySelectorAll("form").forEach(function (form) {
    if (!form.querySelector("[data-supervisees]")) return;
    showSupervisedClients(form);
    form.addEventListener("change", function () { showSupervisedClients(form); });
  });
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

  // ----- The encounter form ---------------------------------------------------------------
  function showForFormat(form) {
    var picked = form.querySelector("input[name=format]:checked");
    var format = picked ? picked.value : "individual";
    form.querySelectorAll("[data-when-format]").forEach(function (el) {
      el.hidden = el.getAttribute("data-when-format").split(" ").indexOf(format) === -1;
    });
  }
  function setupEncounterForm(form) {
    showForFormat(form);
    form.addEventListener("change", function (event) {
      var t = event.target;
      if (t.name === "format") showForFormat(form);
      if (t.hasAttribute && t.hasAttribute("data-phase-source")) {
        // A client's phase follows the last encounter: start from it.
        var option = t.options[t.selectedIndex];
        var phase = option && option.getAttribute("data-phase");
        var radio = phase && form.querySelector("input[name=phase][value=" + phase + "]");
        if (radio) radio.checked = true;
      }
    });
    form.querySelectorAll("[data-set-minutes]").forEach(function (b) {
      b.addEventListener("click", function () {
        var input = form.querySelector("input[name=duration_minutes]");
        input.value = b.getAttribute("data-set-minutes");
        input.dispatchEvent(new Event("input", { bubbles: true }));
      });
    });
  }
  // A draft of what was typed lives in this tab's sessionStorage until the encounter is
  // saved, so a dropped connection or a reload loses nothing. (sessionStorage, not
  // localStorage: a note must not outlive the tab on a shared phone.)
  function draftKey(form) { return "draft:" + form.getAttribute("data-draft"); }
  function saveDraft(form) {
    var data = {};
    new FormData(form).forEach(function (value, name) {
      if (name === "csrfmiddlewaretoken") return;
      (data[name] = data[name] || []).push(value);
    });
    try { sessionStorage.setItem(draftKey(form), JSON.stringify(data)); } catch (e) { /* full */ }
  }
  function restoreDraft(form) {
    var raw;
    try { raw = sessionStorage.getItem(draftKey(form)); } catch (e) { return; }
    if (!raw || form.querySelector(".is-invalid, .alert-danger")) return;
    var data = JSON.parse(raw);
    Object.keys(data).forEach(function (name) {
      var fields = form.querySelectorAll("[name='" + name + "']");
      fields.forEach(function (field) {
        if (field.type === "checkbox" || field.type === "radio") {
          field.checked = data[name].indexOf(field.value) !== -1;
        } else {
          field.value = data[name][0];
        }
      });
    });
    var note = form.querySelector("[data-draft-note]");
    if (note) note.hidden = false;
  }
  // Signing out, or reaching the sign-in page, forgets any draft: the next person to use
  // this tab must not find someone else's note.
  document.addEventListener("submit", function (event) {
    if (event.target instanceof HTMLFormElement && event.target.hasAttribute("data-forget-drafts")) {
      try { sessionStorage.clear(); } catch (e) { /* */ }
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    if (document.querySelector("[data-forget-drafts-now]")) {
      try { sessionStorage.clear(); } catch (e) { /* */ }
    }
    document.querySelectorAll("form.encounter-form").forEach(function (form) {
      if (form.hasAttribute("data-draft")) {
        restoreDraft(form);
        form.addEventListener("input", function () { saveDraft(form); });
        form.addEventListener("change", function () { saveDraft(form); });
      }
      setupEncounterForm(form);
    });
    document.querySelectorAll("[data-clear-draft]").forEach(function (el) {
      try { sessionStorage.removeItem("draft:" + el.getAttribute("data-clear-draft")); } catch (e) { /* */ }
    });
    document.querySelectorAll("[data-copy]").forEach(function (b) {
      b.addEventListener("click", function () {
        var input = document.querySelector(b.getAttribute("data-copy"));
        input.select();
        if (navigator.clipboard) navigator.clipboard.writeText(input.value);
        b.textContent = "Copied";
      });
    });
    document.querySelectorAll("[data-share]").forEach(function (b) {
      if (!navigator.share) return;
      b.hidden = false;
      b.addEventListener("click", function () {
        var input = document.querySelector(b.getAttribute("data-share"));
        navigator.share({ title: "A few quick questions", url: input.value }).catch(function () {});
      });
    });
  });
})();
