/* The filter form's long lists of choices (193 countries, the bodies, the themes): a box above
   each list narrows it to the choices whose name or code holds every word typed. Ticked
   choices stay in view. Without JavaScript the list is what it was: a box of checkboxes that
   scrolls. The words shown come from the page (data-narrow-* attributes, translated there). */
(function () {
  "use strict";
  function words(text) {
    return text.toLocaleLowerCase().split(/\s+/).filter(Boolean);
  }
  document.querySelectorAll("fieldset.choices[data-narrow-label]").forEach(function (fieldset) {
    var list = fieldset.querySelector(".choice-list");
    var choices = Array.prototype.map.call(list.querySelectorAll("label"), function (label) {
      var box = label.querySelector("input");
      return { label: label, box: box, text: (label.textContent + " " + box.value).toLocaleLowerCase() };
    });
    var input = document.createElement("input");
    input.type = "search";
    input.className = "narrow";
    input.autocomplete = "off";
    input.setAttribute("aria-label", fieldset.dataset.narrowLabel);
    input.placeholder = fieldset.dataset.narrowPlaceholder;
    var count = document.createElement("p");
    count.className = "help narrow-count";
    count.setAttribute("aria-live", "polite");
    input.addEventListener("input", function () {
      var wanted = words(input.value);
      var shown = 0;
      choices.forEach(function (choice) {
        var match = choice.box.checked || wanted.every(function (w) { return choice.text.indexOf(w) !== -1; });
        choice.label.hidden = !match;
        shown += match ? 1 : 0;
      });
      count.textContent = wanted.length
        ? fieldset.dataset.narrowCount.replace("{shown}", shown).replace("{total}", choices.length)
        : "";
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") event.preventDefault(); // Enter narrows; it does not send the form
    });
    list.parentNode.insertBefore(input, list);
    list.parentNode.insertBefore(count, list);
  });
})();
