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
    var open = document.querySelector("details.menu[open], #phone-nav[open]");
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

  // A dialog is its own URL, so opening and closing one swaps the page and
  // the button that opened it is a new element afterwards. Remember how to
  // find it again (its id, else its link and name) so that focus can go
  // back to it when the dialog closes, as it would with a native dialog.
  var OPENER = "gatehouse.opener", OPEN = "gatehouse.dialog";
  function store(key, value) {
    try { if (value === null) sessionStorage.removeItem(key); else sessionStorage.setItem(key, value); } catch (e) { /* storage off: focus goes to the page */ }
  }
  function load(key) {
    try { return sessionStorage.getItem(key); } catch (e) { return null; }
  }
  document.addEventListener("click", function (ev) {
    var el = ev.target.closest && ev.target.closest("a[href], button");
    if (!el || el.closest("#dialog")) return;
    store(OPENER, JSON.stringify({
      id: el.id || "",
      href: el.getAttribute("href") || "",
      label: el.getAttribute("aria-label") || el.textContent.trim()
    }));
  }, true);

  function findOpener() {
    var saved;
    try { saved = JSON.parse(load(OPENER) || "null"); } catch (e) { saved = null; }
    if (!saved) return null;
    if (saved.id) {
      var byID = document.getElementById(saved.id);
      if (byID) return byID;
    }
    var found = null;
    document.querySelectorAll("main a[href], main button").forEach(function (el) {
      if (found) return;
      var label = el.getAttribute("aria-label") || el.textContent.trim();
      if ((el.getAttribute("href") || "") === saved.href && label === saved.label) found = el;
    });
    return found;
  }

  // After a page or dialog is swapped in, move focus where a keyboard user
  // expects it: the dialog's autofocus field; when a dialog has just
  // closed, the button that opened it; else an error, a notice or the main
  // content.
  function focusPage() {
    var dialog = document.querySelector("#dialog");
    var wasOpen = load(OPEN) === "1";
    store(OPEN, dialog ? "1" : null);
    if (!dialog && wasOpen && !document.querySelector("#error")) {
      var opener = findOpener();
      if (opener) {
        opener.focus();
        return;
      }
    }
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
