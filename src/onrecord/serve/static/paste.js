// Paste page: say at once when a paste or file is over the server's limit (the server refuses it too, with 413).
(function () {
  "use strict";
  var form = document.getElementById("paste-form");
  if (!form) { return; }
  var limit = Number(form.dataset.maxBytes);
  var message = document.getElementById("size-message");

  function size() {
    var text = new TextEncoder().encode(form.elements.text.value).length;
    var file = form.elements.file.files.length ? form.elements.file.files[0].size : 0;
    return text + file;
  }

  function megabytes(bytes) { return (bytes / 1e6).toFixed(1) + " MB"; }

  function check() {
    var bytes = size();
    var over = bytes > limit;
    message.hidden = !over;
    message.textContent = over ? "This paste is " + megabytes(bytes) + "; the server accepts at most " + megabytes(limit) + "." : "";
    return !over;
  }

  form.elements.file.addEventListener("change", check);
  form.addEventListener("submit", function (event) { if (!check()) { event.preventDefault(); } });
})();
