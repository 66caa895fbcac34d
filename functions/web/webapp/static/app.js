// Korpo: the little that needs JavaScript. Every page works without it.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // A page that answers a form (shown again with its errors): a reload loads the form's page
  // instead of asking to send the form again (every form that succeeds redirects anyway).
  var reload = document.body.getAttribute("data-reload-url");
  if (reload && window.history.replaceState) {
    window.history.replaceState(null, "", reload);
  }
  // A form sent back with errors: its summary takes the focus (a screen reader reads it
  // first), and each of its links moves to its field, the field's label in view.
  var summary = document.querySelector(".error-summary");
  if (summary) {
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      var field = link && document.getElementById(link.getAttribute("href").slice(1));
      if (!field) { return; }
      event.preventDefault();
      var label = field.closest("fieldset, .field") || field;
      label.scrollIntoView();
      field.focus({preventScroll: true});
    });
  }
  // The share sheet's own ways of sharing are recorded like the networks' (a share intent).
  var sheet = document.querySelector("[data-intent-url]");
  function recordIntent(network) {
    if (!sheet || !window.fetch) { return; }
    var body = "csrf=" + encodeURIComponent(sheet.getAttribute("data-csrf")) +
               "&network=" + encodeURIComponent(network) +
               "&challenge=" + encodeURIComponent(sheet.getAttribute("data-challenge") || "");
    fetch(sheet.getAttribute("data-intent-url"), {
      method: "POST", credentials: "same-origin", body: body,
      headers: {"Content-Type": "application/x-www-form-urlencoded"}
    }).catch(function () { /* the share happened anyway */ });
  }
  // Copy buttons: shown only where the clipboard is there to use.
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    if (!navigator.clipboard) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var field = document.getElementById(button.getAttribute("data-copy"));
      var status = document.getElementById("copy-status");
      navigator.clipboard.writeText(field.value).then(function () {
        if (status) { status.textContent = button.getAttribute("data-copied"); }
        recordIntent(button.getAttribute("data-intent"));
      }, function () { field.select(); });
    });
  });
  // The phone's own share sheet, only where the browser offers one (most desktops do not):
  // the employee's words from the box, then the disclosure; the link goes as the URL.
  document.querySelectorAll("[data-share-url]").forEach(function (button) {
    if (typeof navigator.share !== "function") { return; }
    (button.closest("[data-native]") || button).hidden = false;
    button.addEventListener("click", function () {
      var box = document.getElementById(button.getAttribute("data-text-field") || "");
      var words = box ? box.value.trim() : "";
      navigator.share({
        title: button.getAttribute("data-share-title"),
        text: (words ? words + " " : "") + button.getAttribute("data-disclosure"),
        url: button.getAttribute("data-share-url")
      }).then(function () {
        recordIntent(button.getAttribute("data-intent"));
      }).catch(function () { /* the person closed the sheet */ });
    });
  });
});
