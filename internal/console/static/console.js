// Gatehouse console: small progressive enhancements. The pages work without
// this file; htmx (htmx.min.js) makes navigation and forms swap in place.
// No inline script anywhere: the Content-Security-Policy forbids it.
(function () {
  "use strict";

  // Copy buttons: <button data-copy="ID"> copies the value of #ID.
  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest && ev.target.closest("[data-copy]");
    if (!btn) return;
    var field = document.getElementById(btn.getAttribute("data-copy"));
    if (!field) return;
    var text = field.value !== undefined ? field.value : field.textContent;
    var done = function () {
      var label = btn.textContent;
      btn.textContent = "Copied";
      btn.setAttribute("data-copied", "true");
      setTimeout(function () { btn.textContent = label; }, 2000);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { fallback(field); done(); });
    } else {
      fallback(field);
      done();
    }
  });

  function fallback(field) {
    if (field.select) {
      field.select();
      try { document.execCommand("copy"); } catch (e) { /* the text stays selected */ }
    }
  }

  // Escape closes an open dialog (its Close link) or an open menu.
  document.addEventListener("keydown", function (ev) {
    if (ev.key !== "Escape") return;
    var open = document.querySelector("details.menu[open]");
    if (open) {
      open.removeAttribute("open");
      open.querySelector("summary").focus();
      return;
    }
    var close = document.querySelector("#dialog [data-close]");
    if (close) close.click();
  });

  // A click outside an open menu closes it.
  document.addEventListener("click", function (ev) {
    document.querySelectorAll("details.menu[open]").forEach(function (d) {
      if (!d.contains(ev.target)) d.removeAttribute("open");
    });
  });

  // After a page or dialog is swapped in, move focus where a keyboard user
  // expects it: the dialog's autofocus field, else the main content.
  function focusPage() {
    var target = document.querySelector("#dialog [autofocus]") || document.querySelector("#dialog");
    if (!target && document.querySelector("#error, #flash")) target = document.querySelector("#error, #flash");
    if (!target) target = document.querySelector("main [autofocus]");
    if (target) {
      if (!target.hasAttribute("tabindex") && !/^(A|BUTTON|INPUT|SELECT|TEXTAREA)$/.test(target.tagName)) {
        target.setAttribute("tabindex", "-1");
      }
      target.focus();
    }
  }
  document.addEventListener("htmx:afterSettle", focusPage);
  document.addEventListener("DOMContentLoaded", focusPage);

  // Keep focus inside an open modal dialog.
  document.addEventListener("keydown", function (ev) {
    if (ev.key !== "Tab") return;
    var dlg = document.getElementById("dialog");
    if (!dlg) return;
    var items = dlg.querySelectorAll("a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled])");
    if (!items.length) return;
    var first = items[0], last = items[items.length - 1];
    if (ev.shiftKey && document.activeElement === first) { last.focus(); ev.preventDefault(); }
    else if (!ev.shiftKey && document.activeElement === last) { first.focus(); ev.preventDefault(); }
    else if (!dlg.contains(document.activeElement)) { first.focus(); ev.preventDefault(); }
  });
})();
