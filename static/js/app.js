// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // After htmx swaps in a form that failed validation (422), move focus to
  // the first invalid field so keyboard and screen-reader users land on it.
  // With an outerHTML swap the event's element is the removed one, so look
  // in the document then.
  document.addEventListener("htmx:afterSettle", function (e) {
    var xhr = e.detail && e.detail.xhr;
    if (!xhr || xhr.status !== 422) return;
    var root = e.detail.elt && e.detail.elt.isConnected ? e.detail.elt : document;
    var bad = root.querySelector('[aria-invalid="true"]');
    if (bad) bad.focus();
  });

  // An htmx request whose answer is not swapped (403, 404, 5xx…) or that
  // never reached the server would otherwise change nothing on screen: the
  // user clicks and sees no reaction. Say what happened, once, in the
  // page's alert region, and offer the way out.
  var messages = {
    401: "You are no longer logged in. Log in again, then retry.",
    403: "This page has expired (its security token is missing or out of date). Reload the page and try again; what you typed may need to be entered again.",
    404: "That item no longer exists, or you no longer have access to it.",
    409: "Someone else changed this at the same time. Reload the page to see the latest version.",
    413: "That is too large to send. Choose a smaller file and try again.",
  };
  function showError(text, reload) {
    var box = document.getElementById("htmx-error");
    if (!box) return;
    box.textContent = text + " ";
    if (reload) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "button small";
      b.textContent = "Reload page";
      b.addEventListener("click", function () { window.location.reload(); });
      box.appendChild(b);
    }
    box.hidden = false;
    box.focus();
  }
  document.addEventListener("htmx:responseError", function (e) {
    var status = e.detail && e.detail.xhr ? e.detail.xhr.status : 0;
    var text = messages[status] ||
      (status >= 500 ? "Something went wrong on our side (error " + status + "). Please try again in a moment."
                     : "The request was not accepted (error " + status + ").");
    showError(text, status === 403 || status === 409);
  });
  document.addEventListener("htmx:sendError", function () {
    showError("Could not reach the server. Check your connection and try again.", false);
  });
  document.addEventListener("htmx:timeout", function () {
    showError("The server took too long to answer. Please try again.", false);
  });
  // A later successful request clears the message.
  document.addEventListener("htmx:afterRequest", function (e) {
    var xhr = e.detail && e.detail.xhr;
    var box = document.getElementById("htmx-error");
    if (box && xhr && xhr.status >= 200 && xhr.status < 300 && e.detail.successful) box.hidden = true;
  });
})();
