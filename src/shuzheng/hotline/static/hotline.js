/* 12345 intake: suggestions as the agent types (classification, location, responsible unit, FAQ), a key to
   take the suggested category, Ctrl+Enter to submit. The form works without this script. */
(function () {
  "use strict";

  var form = document.querySelector("[data-intake-form]");
  if (!form || !window.fetch) {
    return;
  }
  var content = form.querySelector("#content");
  var address = form.querySelector("#address");
  var typeSelect = form.querySelector("#type_code");
  var topicSelect = form.querySelector("#topic_code");
  var panel = document.querySelector("[data-suggest-panel]");
  var applyButton = panel.querySelector("[data-suggest-apply]");
  var csrf = form.querySelector("input[name=csrf_token]").value;
  var timer = null;
  var latest = null;
  var sequence = 0;
  var submitting = false;

  function out(name) {
    return panel.querySelector('[data-suggest-out="' + name + '"]');
  }

  function percent(x) {
    return Math.round(x * 100) + "%";
  }

  function show(data) {
    latest = data;
    var category = out("category");
    if (data.topic_code) {
      category.textContent = data.type_label + " · " + data.topic_label + "（置信度 " + percent(data.confidence) + "）";
      applyButton.disabled = false;
    } else {
      category.textContent = "暂无把握，请人工选择";
      applyButton.disabled = true;
    }
    out("location").textContent = data.location_label + (data.address ? "：" + data.address : "");
    out("route").textContent = data.route ? data.route.department_name + "（" + data.route.basis + "）" : "暂无，提交后由派单员派单";
    var faq = out("faq");
    if (data.faq_answer) {
      faq.hidden = false;
      panel.querySelector("[data-suggest-faq]").textContent = data.faq_answer;
    } else {
      faq.hidden = true;
    }
  }

  function ask() {
    if (submitting) {
      return;
    }
    var text = content.value.trim();
    if (text.length < 2 && !address.value.trim()) {
      return;
    }
    var mine = ++sequence;
    fetch("/api/hotline/suggest", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, Accept: "application/json" },
      body: JSON.stringify({ content: text, address: address.value, topic_code: topicSelect.value || null })
    })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (data && mine === sequence) {
          show(data);
        }
      })
      .catch(function () {
        /* suggestions are a help, not a requirement */
      });
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(ask, 300);
  }

  function apply() {
    if (latest && latest.topic_code) {
      typeSelect.value = latest.type_code;
      topicSelect.value = latest.topic_code;
      later();
    }
  }

  // No suggestion request may start once the form is on its way: on SQLite a cookie-authenticated API
  // call that begins while the intake transaction holds the write lock waits on the server's event loop.
  form.addEventListener("submit", function () {
    submitting = true;
    window.clearTimeout(timer);
  });
  content.addEventListener("input", later);
  address.addEventListener("input", later);
  topicSelect.addEventListener("change", later);
  applyButton.addEventListener("click", apply);
  form.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      submitting = true;
      window.clearTimeout(timer);
      form.requestSubmit ? form.requestSubmit() : form.submit();
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.altKey && (event.key === "a" || event.key === "A")) {
      event.preventDefault();
      apply();
    }
  });
  if (content.value || address.value) {
    ask();
  }
})();
