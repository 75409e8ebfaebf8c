// Document and paste pages: click (or Enter on) a highlight to see its attribution record.
// The records come from the page's JSON twin, embedded as data; text is set with textContent only.
(function () {
  "use strict";
  var data = document.getElementById("attribution-data");
  var panel = document.getElementById("record");
  if (!data || !panel) { return; }
  var records = JSON.parse(data.textContent);

  function speakerLine(a) {
    if (!a.speaker) { return a.source ? a.source.text : "—"; }
    var parts = [a.speaker.name || "(unnamed)", "(" + a.speaker.type + ")"];
    if (a.speaker.role) { parts.push("· " + a.speaker.role); }
    if (a.speaker.affiliation) { parts.push("· " + a.speaker.affiliation); }
    return parts.join(" ");
  }

  function fill(field, value) {
    panel.querySelector('[data-field="' + field + '"]').textContent = value;
  }

  function select(number) {
    var a = records[number];
    if (!a) { return; }
    fill("number", "#" + number);
    fill("speaker", speakerLine(a));
    fill("source", a.source ? a.source.text : "—");
    fill("cue", a.cue ? a.cue.text : "—");
    fill("content", a.content.text);
    fill("kind", a.kind);
    fill("via", (a.via || []).map(function (v) { return v.name || v.type; }).join(", ") || "—");
    fill("confidence", String(a.confidence));
    panel.hidden = false;
    document.querySelectorAll("mark.hl.selected, tr.selected").forEach(function (el) { el.classList.remove("selected"); });
    document.querySelectorAll("mark.hl").forEach(function (mark) {
      if ((" " + mark.dataset.attributions + " ").indexOf(" " + number + " ") >= 0) { mark.classList.add("selected"); }
    });
    var row = document.getElementById("a" + number);
    if (row) { row.classList.add("selected"); }
  }

  function numberOf(mark) {
    var numbers = mark.dataset.attributions.split(" ");
    // a piece shared by several attributions: each click moves to the next one
    var current = panel.hidden ? -1 : numbers.indexOf(panel.querySelector('[data-field="number"]').textContent.slice(1));
    return numbers[(current + 1) % numbers.length];
  }

  document.addEventListener("click", function (event) {
    var mark = event.target.closest("mark.hl[data-attributions]");
    if (mark) { select(numberOf(mark)); return; }
    var row = event.target.closest("tr[data-attribution]");
    if (row && !event.target.closest("a")) { select(row.dataset.attribution); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      panel.hidden = true;
      document.querySelectorAll(".selected").forEach(function (el) { el.classList.remove("selected"); });
    } else if (event.key === "Enter" && event.target.matches("mark.hl[data-attributions]")) {
      select(numberOf(event.target));
    }
  });
  // arriving from a search result (#a12): the passage, the attribution's content in the text, is marked
  // and scrolled to (after the browser's own jump to the table row #a12, so this one wins)
  function showPassage() {
    var hash = /^#a(\d+)$/.exec(window.location.hash);
    if (!hash) { return; }
    select(hash[1]);
    document.querySelectorAll("mark.hl.passage").forEach(function (el) { el.classList.remove("passage"); });
    var passage = Array.prototype.filter.call(
      document.querySelectorAll('#article-text mark.hl[data-roles~="content"]'),
      function (mark) { return mark.dataset.attributions.split(" ").indexOf(hash[1]) >= 0; });
    passage.forEach(function (mark) { mark.classList.add("passage"); });
    if (passage.length) { passage[0].scrollIntoView({block: "center"}); }
  }
  showPassage();
  window.addEventListener("load", function () { window.setTimeout(showPassage, 0); });
  window.addEventListener("hashchange", showPassage);
})();
