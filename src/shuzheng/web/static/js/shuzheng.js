/* 数政 — small progressive enhancements. Every feature works without this script:
   - 长辈模式: switch in place (no page reload, no lost form input) instead of a full form round trip;
   - a form that came back with errors moves focus to its error summary, so screen readers announce it. */
(function () {
  "use strict";

  function enhanceElderToggle(form) {
    var button = form.querySelector("button[aria-pressed]");
    var enabledInput = form.querySelector("input[name=enabled]");
    if (!button || !enabledInput || !window.fetch || !window.FormData) {
      return;
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      button.disabled = true;
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { Accept: "application/json" },
        credentials: "same-origin"
      })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("elder mode toggle failed: " + response.status);
          }
          return response.json();
        })
        .then(function (data) {
          var on = Boolean(data.elder_mode);
          document.documentElement.classList.toggle("elder", on);
          button.setAttribute("aria-pressed", on ? "true" : "false");
          enabledInput.value = on ? "0" : "1";
          button.disabled = false;
          button.focus();
        })
        .catch(function () {
          // Fall back to the plain form post, which also shows a friendly error if something is wrong.
          button.disabled = false;
          form.submit();
        });
    });
  }

  function focusErrorSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) {
      summary.focus();
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-elder-toggle]"), enhanceElderToggle);
    focusErrorSummary();
  });
})();
