// Workspace uploads: drag and drop onto the file field and a progress bar.
// Progressive enhancement over a plain multipart form (which works alone).
(function () {
  "use strict";
  document.querySelectorAll("form[data-ws-upload]").forEach(function (form) {
    var input = form.querySelector('input[type="file"]');
    var drop = form.querySelector("[data-ws-drop]");
    var bar = form.querySelector(".ws-progress");
    var status = form.querySelector(".ws-upload-status");
    if (drop && input) {
      ["dragenter", "dragover"].forEach(function (t) {
        drop.addEventListener(t, function (e) { e.preventDefault(); drop.classList.add("ws-dragging"); });
      });
      ["dragleave", "drop"].forEach(function (t) {
        drop.addEventListener(t, function () { drop.classList.remove("ws-dragging"); });
      });
      drop.addEventListener("drop", function (e) {
        e.preventDefault();
        if (e.dataTransfer && e.dataTransfer.files.length) {
          input.files = e.dataTransfer.files;
          status.textContent = e.dataTransfer.files.length + " file(s) ready to upload.";
        }
      });
    }
    if (!window.FormData || !window.XMLHttpRequest) return;
    form.addEventListener("submit", function (e) {
      if (!input || !input.files.length) return;
      e.preventDefault();
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      // Answered with 204 + HX-Redirect (not a followed redirect), so the
      // page we go to still shows the "Uploaded" message.
      xhr.setRequestHeader("HX-Request", "true");
      xhr.upload.addEventListener("progress", function (ev) {
        if (!ev.lengthComputable) return;
        bar.hidden = false;
        bar.value = Math.round(ev.loaded / ev.total * 100);
        status.textContent = "Uploading… " + bar.value + "%";
      });
      xhr.addEventListener("load", function () {
        if (xhr.status >= 200 && xhr.status < 400) {
          window.location.assign(xhr.getResponseHeader("HX-Redirect") || window.location.href);
        } else {
          status.textContent = xhr.status === 413 ? "That file is too large." : "The upload failed (" + xhr.status + "). Please try again.";
        }
      });
      xhr.addEventListener("error", function () { status.textContent = "The upload failed. Please check your connection and try again."; });
      form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
      xhr.send(new FormData(form));
    });
  });
})();
