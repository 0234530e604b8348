// The broadcast form's live recipient count: ask the server whenever the audience changes. Without
// JavaScript the 「更新人数」 button does the same.
(function () {
  var form = document.getElementById("compose");
  var shown = document.getElementById("count");
  if (!form || !shown) return;
  form.addEventListener("change", function (event) {
    if (event.target.type !== "checkbox") return;
    var query = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (name === "notices" || name === "topics" || name === "counties" || name === "industries") query.append(name, value);
    });
    fetch("/broadcasts/count?" + query.toString(), {credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (said) { if (said) shown.textContent = said; });
  });
})();
