// The 问答 page's script: it posts the question to /ask/stream and shows
// the answer as the model writes it (server-sent events: "delta" with
// text, then "done" with the answer as the page shows it, or "error").
// Without it, or when the request fails, the form posts as usual.
(function () {
  "use strict";
  var form = document.getElementById("ask-form");
  var out = document.getElementById("answer");
  if (!form || !out || !window.fetch || !window.TextDecoder || !window.URLSearchParams) return;

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var button = form.querySelector("button");
    button.disabled = true;
    out.innerHTML = '<div class="card"><p class="muted">正在回答…</p><div class="text"></div></div>';
    var text = out.querySelector(".text");
    var started = false;

    function handle(block) {
      var event = "message", data = "";
      block.split("\n").forEach(function (line) {
        if (line.indexOf("event: ") === 0) event = line.slice(7);
        else if (line.indexOf("data: ") === 0) data += line.slice(6);
      });
      var d = data ? JSON.parse(data) : {};
      if (event === "delta") {
        started = true;
        text.textContent += d.text;
      } else if (event === "done") {
        out.innerHTML = d.html;
      } else if (event === "error") {
        out.innerHTML = '<div class="error"></div>';
        out.firstChild.textContent = d.message;
      }
    }

    fetch("/ask/stream", { method: "POST", body: new URLSearchParams(new FormData(form)), credentials: "same-origin" })
      .then(function (resp) {
        if (!resp.ok || !resp.body) throw new Error("HTTP " + resp.status);
        var reader = resp.body.getReader(), dec = new TextDecoder(), buf = "";
        function pump() {
          return reader.read().then(function (r) {
            if (r.done) return;
            buf += dec.decode(r.value, { stream: true });
            for (var i; (i = buf.indexOf("\n\n")) >= 0; buf = buf.slice(i + 2)) handle(buf.slice(0, i));
            return pump();
          });
        }
        return pump();
      })
      .then(function () { button.disabled = false; })
      .catch(function () {
        button.disabled = false;
        if (!started) form.submit(); // answered by the page itself
        else out.insertAdjacentHTML("beforeend", '<div class="error">连接中断，请重新提问。</div>');
      });
  });
})();
