/* 开发者密钥: after a key is created, move focus to it (screen readers announce the one-time key), offer
   a 复制 button, and turn this history entry into a plain GET of /opendata/keys, so reloading or coming
   back never re-posts the form (which would create a second key). Without this script the key is still
   shown, selectable, with a Ctrl+C hint, and the browser asks before re-posting. */
(function () {
  "use strict";

  function announce(status, text) {
    if (status) {
      status.textContent = text;
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var panel = document.querySelector("[data-key-created]");
    if (!panel) {
      return;
    }
    var input = panel.querySelector("[data-key-value]");
    var button = panel.querySelector("[data-copy-key]");
    var status = panel.querySelector("[data-copy-status]");
    var hint = panel.querySelector("[data-copy-hint]");
    panel.focus();
    if (window.history && window.history.replaceState) {
      window.history.replaceState(null, "", "/opendata/keys");
    }
    if (input) {
      input.addEventListener("focus", function () {
        input.select();
      });
    }
    if (!input || !button || !navigator.clipboard || !window.isSecureContext) {
      return;
    }
    button.hidden = false;
    if (hint) {
      hint.textContent = "按“复制”按钮，或选中输入框后按 Ctrl+C（Mac 上按 ⌘+C）复制。";
    }
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(input.value).then(
        function () {
          announce(status, "已复制到剪贴板，请粘贴到您的应用配置中保存。");
        },
        function () {
          input.focus();
          announce(status, "无法自动复制，请选中输入框后按 Ctrl+C 复制。");
        }
      );
    });
  });
})();
