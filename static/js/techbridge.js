/* TechBridge's own scripts: progressive enhancement only; every page works without them. */
(function () {
  "use strict";

  // --- copy to clipboard: <button data-copy-target="#id" data-copied-text="…"> ---------------
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    // Plain http (an intranet deployment): the clipboard API is absent, use a selection.
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var copied = document.execCommand("copy");
    document.body.removeChild(area);
    return copied ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  function enhanceCopyButton(button) {
    if (button.dataset.copyReady) return;
    button.dataset.copyReady = "true";
    var label = button.textContent;
    button.hidden = false;
    button.addEventListener("click", function () {
      var target = document.querySelector(button.dataset.copyTarget);
      copyText(target.textContent.trim()).then(
        function () {
          button.textContent = button.dataset.copiedText;
          button.dataset.copied = "true";
          setTimeout(function () { button.textContent = label; }, 2000);
        },
        function () {
          // Leave the key selected so that Ctrl+C still works.
          var range = document.createRange();
          range.selectNodeContents(target);
          window.getSelection().removeAllRanges();
          window.getSelection().addRange(range);
        }
      );
    });
  }

  // --- searchable picker (Tom Select) over a native select ----------------------------------
  function enhanceSearch(select) {
    var multiple = select.multiple;
    new TomSelect(select, {
      plugins: multiple ? ["remove_button", "clear_button"] : ["dropdown_input"],
      // The group (a province, a domain / industry) is searched too.
      searchField: ["text", "group"],
      maxOptions: null,
      hidePlaceholder: multiple,
      placeholder: select.dataset.placeholder,
      // Start the next search afresh: the last one would only list what is now chosen.
      onItemAdd: function () {
        if (multiple) {
          this.setTextboxValue("");
          this.refreshOptions(false);
        }
      },
      render: {
        no_results: function () {
          var div = document.createElement("div");
          div.className = "no-results";
          div.textContent = select.dataset.noResults;
          return div;
        },
      },
    });
  }

  // --- one region as a province → city cascade ----------------------------------------------
  // The native select stays in the form (hidden) and carries the value; two small selects
  // drive it. Its options are grouped by province, the province itself marked data-level.
  function enhanceRegionCascade(select) {
    var provinces = [];
    Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
      var province = group.querySelector('option[data-level="province"]');
      if (!province) return;
      provinces.push({
        option: province,
        cities: Array.prototype.filter.call(group.querySelectorAll("option"), function (option) {
          return option !== province;
        }),
      });
    });

    var wrapper = document.createElement("div");
    wrapper.className = "row g-2 region-cascade";
    wrapper.id = select.id + "-cascade";
    function part(role, labelText) {
      var column = document.createElement("div");
      column.className = "col-sm-6";
      var picker = document.createElement("select");
      picker.className = select.className;
      picker.id = select.id + "-" + role;
      picker.setAttribute("aria-label", labelText);
      picker.dataset.role = role;
      column.appendChild(picker);
      wrapper.appendChild(column);
      return picker;
    }
    var provinceSelect = part("province", select.dataset.provinceLabel);
    var citySelect = part("city", select.dataset.cityLabel);

    function option(value, text) {
      var element = document.createElement("option");
      element.value = value;
      element.textContent = text;
      return element;
    }
    var empty = select.querySelector('option[value=""]');
    provinceSelect.appendChild(option("", empty ? empty.textContent : "---------"));
    provinces.forEach(function (entry, index) {
      provinceSelect.appendChild(option(String(index), entry.option.textContent));
    });

    function fillCities(entry) {
      citySelect.replaceChildren();
      if (!entry) {
        citySelect.disabled = true;
        return;
      }
      citySelect.disabled = entry.cities.length === 0;
      citySelect.appendChild(option(entry.option.value, select.dataset.wholeProvince));
      entry.cities.forEach(function (city) {
        citySelect.appendChild(option(city.value, city.textContent));
      });
    }
    function setValue(value) {
      select.value = value;
      // Bubbles, so that listeners on the form (the completeness check) see the change.
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }
    function showValue() {
      var chosen = select.selectedOptions[0];
      var index = provinces.findIndex(function (entry) {
        return entry.option === chosen || entry.cities.indexOf(chosen) !== -1;
      });
      provinceSelect.value = index === -1 ? "" : String(index);
      fillCities(provinces[index]);
      if (index !== -1) citySelect.value = chosen.value;
    }

    provinceSelect.addEventListener("change", function () {
      var entry = provinces[provinceSelect.value];
      fillCities(entry);
      setValue(entry ? entry.option.value : "");
    });
    citySelect.addEventListener("change", function () { setValue(citySelect.value); });
    // Someone else (a test, a script) may set the native select: follow it.
    select.addEventListener("change", showValue);

    // A hidden control cannot take the browser's "required" bubble: the province select does.
    provinceSelect.required = select.required;
    select.required = false;
    select.hidden = true;
    select.classList.add("d-none");
    select.parentNode.insertBefore(wrapper, select);
    // The field's <label> now names the province select, which comes first.
    var label = document.querySelector('label[for="' + select.id + '"]');
    if (label) label.htmlFor = provinceSelect.id;
    showValue();
  }

  // --- a deal's technology transaction amount, the total less equipment and materials --------
  // <output data-technical-amount data-total="#id" data-minus="#id">; the server shows the
  // saved figure, this follows what is being typed (amounts in 万元, two decimals).
  function enhanceTechnicalAmount(output) {
    var total = document.querySelector(output.dataset.total);
    var minus = document.querySelector(output.dataset.minus);
    if (!total || !minus) return;
    function update() {
      var a = parseFloat(total.value), b = minus.value.trim() === "" ? 0 : parseFloat(minus.value);
      output.textContent = isNaN(a) || isNaN(b) ? "—" : (a - b).toFixed(2);
      output.classList.toggle("text-danger", a - b < 0);
    }
    total.addEventListener("input", update);
    minus.addEventListener("input", update);
    update();
  }

  function enhance(root) {
    root.querySelectorAll("[data-copy-target]").forEach(enhanceCopyButton);
    root.querySelectorAll("[data-technical-amount]").forEach(enhanceTechnicalAmount);
    if (typeof TomSelect !== "undefined") {
      root.querySelectorAll('select[data-picker="search"]').forEach(function (select) {
        if (!select.tomselect) enhanceSearch(select);
      });
    }
    root.querySelectorAll('select[data-picker="region"]').forEach(function (select) {
      if (!select.hidden) enhanceRegionCascade(select);
    });
  }

  // --- <form data-confirm="…">: ask before submitting (no inline onsubmit: the CSP forbids it) -
  document.addEventListener("submit", function (event) {
    var question = event.target.dataset && event.target.dataset.confirm;
    if (question && !window.confirm(question)) event.preventDefault();
  });

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  // Forms swapped in by HTMX are enhanced as well.
  document.addEventListener("htmx:load", function (event) { enhance(event.target); });
})();
