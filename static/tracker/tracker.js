// Progressive enhancement only: every page works without this file.
// The language selector switches as soon as a language is chosen.
document.addEventListener("DOMContentLoaded", function () {
  var select = document.getElementById("language");
  if (!select || !select.form) return;
  var button = select.form.querySelector("button");
  if (button) button.classList.add("visually-hidden");
  select.addEventListener("change", function () { select.form.submit(); });
});
