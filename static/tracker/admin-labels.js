/* Names for the admin's own widgets, which leave some controls without one for screen readers
   (found by axe-core): the autocomplete boxes (select2) and their search fields take the label
   of the field they stand for; a tabular inline's inputs take their column's heading; the
   search icons of the two-list theme picker are images with a name. Only attributes are added:
   the widgets' markup and behaviour stay Django's. Widgets added later (a new
   inline row, an autocomplete started after this runs) are named as they appear. */
(function () {
  "use strict";

  function text(element) {
    return element ? element.textContent.replace(/[:*]\s*$/, "").trim() : "";
  }

  function columnHeading(control) {
    // The heading of the cell's column: th.column-<field> for a field's cell, else the heading
    // at the same place in the row (the "Delete?" column)
    var cell = control.closest("td");
    var table = cell && cell.closest("table");
    if (!table) return "";
    var name = Array.prototype.find.call(cell.classList, function (c) {
      return c.indexOf("field-") === 0;
    });
    if (name) return text(table.querySelector("thead th.column-" + name.slice(6)));
    var at = Array.prototype.indexOf.call(cell.parentNode.children, cell);
    return text(table.querySelectorAll("thead tr:last-child th")[at]);
  }

  function nameOf(control) {
    if (control.id) {
      var label = document.querySelector('label[for="' + control.id + '"]');
      if (label) return text(label);
    }
    return columnHeading(control);
  }

  function give(element, name) {
    if (name && !element.hasAttribute("aria-label") && !(element.labels && element.labels.length)) {
      element.setAttribute("aria-label", name);
    }
  }

  function nameAll() {
    document.querySelectorAll(".select2-container").forEach(function (box) {
      var select = box.previousElementSibling;
      if (!select || select.tagName !== "SELECT") return;
      var name = nameOf(select);
      box.querySelectorAll("[role='combobox'], [role='textbox'], .select2-search__field").forEach(
        function (el) {
          give(el, name);
        }
      );
      // The "remove all" cross sits in a list of the chosen values: a list item, as a list's
      // children must be.
      box.querySelectorAll("ul > .select2-selection__clear:not([role])").forEach(function (el) {
        el.setAttribute("role", "listitem");
      });
    });
    document
      .querySelectorAll(".tabular td :is(input:not([type='hidden']), select, textarea)")
      .forEach(function (control) {
        give(control, columnHeading(control));
      });
    document.querySelectorAll(".help-tooltip.search-label-icon:not([role])").forEach(function (icon) {
      icon.setAttribute("role", "img");
    });
  }

  var pending = false;
  new MutationObserver(function () {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () {
      pending = false;
      nameAll();
    });
  }).observe(document.documentElement, { childList: true, subtree: true });
  document.addEventListener("DOMContentLoaded", nameAll);
})();
