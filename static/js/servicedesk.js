// The service desk's own script: small behaviours on top of htmx. No inline handlers (the CSP forbids them).
"use strict";

// Filter forms: leave empty fields out of the query, so that addresses stay short and shareable.
document.addEventListener("htmx:configRequest", (event) => {
  const form = event.detail.elt.closest("form.filters");
  if (!form || event.detail.verb !== "get") return;
  for (const [name, value] of Object.entries(event.detail.parameters)) {
    if (value === "" || (Array.isArray(value) && value.every((item) => item === ""))) {
      delete event.detail.parameters[name];
    }
  }
});

// A picker's search box asks its endpoint with ?q=, whatever name the box has in the form around it.
document.addEventListener("htmx:configRequest", (event) => {
  const input = event.detail.elt;
  if (input.matches && input.matches("[data-picker-input]")) {
    event.detail.parameters = { q: input.value };
  }
});

// Ctrl+Enter (Cmd+Enter on a Mac) saves a form marked data-submit-shortcut, from any of its fields.
document.addEventListener("keydown", (event) => {
  if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
  const form = event.target.closest && event.target.closest("form[data-submit-shortcut]");
  if (form) {
    event.preventDefault();
    form.requestSubmit();
  }
});

// Pickers: a search box whose htmx results are a listbox, worked with the keyboard.
// data-picker-value="#id": choosing fills that hidden field with the option's id and the box with its name.
// data-picker-append="#id": choosing adds the option's name as a line of that textarea and clears the box.
const pickerOptions = (picker) => [...picker.querySelectorAll("[data-picker-results] [role=option]")];

function pickerChoose(picker, option) {
  const input = picker.querySelector("[data-picker-input]");
  const name = option.dataset.name;
  if (input.dataset.pickerValue) {
    document.querySelector(input.dataset.pickerValue).value = option.dataset.id;
    input.value = name;
  }
  if (input.dataset.pickerAppend) {
    const target = document.querySelector(input.dataset.pickerAppend);
    const lines = target.value.split("\n").map((line) => line.trim()).filter(Boolean);
    if (!lines.some((line) => line.toLowerCase() === name.toLowerCase())) lines.push(name);
    target.value = lines.join("\n");
    input.value = "";
  }
  picker.querySelector("[data-picker-results]").replaceChildren();
  input.setAttribute("aria-expanded", "false");
  input.removeAttribute("aria-activedescendant");
  input.dispatchEvent(new CustomEvent("picker:chosen", { bubbles: true, detail: { id: option.dataset.id, name } }));
}

function pickerMove(picker, step) {
  const options = pickerOptions(picker);
  if (!options.length) return;
  const input = picker.querySelector("[data-picker-input]");
  let index = options.findIndex((option) => option.getAttribute("aria-selected") === "true");
  index = index < 0 ? (step > 0 ? 0 : options.length - 1) : (index + step + options.length) % options.length;
  options.forEach((option, position) => option.setAttribute("aria-selected", String(position === index)));
  input.setAttribute("aria-activedescendant", options[index].id);
  options[index].scrollIntoView({ block: "nearest" });
}

document.addEventListener("keydown", (event) => {
  const input = event.target.closest && event.target.closest("[data-picker-input]");
  if (!input) return;
  const picker = input.closest("[data-picker]");
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    pickerMove(picker, event.key === "ArrowDown" ? 1 : -1);
  } else if (event.key === "Enter" && !(event.ctrlKey || event.metaKey)) {
    const chosen = pickerOptions(picker).find((option) => option.getAttribute("aria-selected") === "true");
    const only = pickerOptions(picker).length === 1 ? pickerOptions(picker)[0] : null;
    if (chosen || only) {
      event.preventDefault();
      pickerChoose(picker, chosen || only);
    }
  } else if (event.key === "Escape") {
    picker.querySelector("[data-picker-results]").replaceChildren();
    input.setAttribute("aria-expanded", "false");
  }
});

// Typing again after a choice means the previous choice no longer stands.
document.addEventListener("input", (event) => {
  const input = event.target.closest && event.target.closest("[data-picker-input][data-picker-value]");
  if (input) document.querySelector(input.dataset.pickerValue).value = "";
});

document.addEventListener("click", (event) => {
  const option = event.target.closest && event.target.closest("[data-picker-results] [role=option]");
  if (!option) return;
  event.preventDefault();
  pickerChoose(option.closest("[data-picker]"), option);
});

document.addEventListener("htmx:afterSwap", (event) => {
  const results = event.detail.target;
  if (!results.matches || !results.matches("[data-picker-results]")) return;
  const picker = results.closest("[data-picker]");
  const input = picker.querySelector("[data-picker-input]");
  input.setAttribute("aria-expanded", String(results.querySelector("[role=option]") !== null));
  // A caller just added from the logging form is chosen at once.
  const added = results.querySelector("[role=option][data-autochoose]");
  if (added) {
    pickerChoose(picker, added);
    input.focus();
  }
});

// A list refreshed by htmx (data-keep-ticks) keeps the boxes the user ticked: remembered before the swap,
// ticked again after it. The scroll position stays, since only the list's inside is replaced.
const keptTicks = new WeakMap();
document.addEventListener("htmx:beforeSwap", (event) => {
  const target = event.detail.target;
  if (!target.matches || !target.matches("[data-keep-ticks]")) return;
  keptTicks.set(target, new Set([...target.querySelectorAll("input[type=checkbox]:checked")].map((box) => box.value)));
});
document.addEventListener("htmx:afterSwap", (event) => {
  const target = event.detail.target;
  const ticked = keptTicks.get(target);
  if (!ticked) return;
  target.querySelectorAll("input[type=checkbox]").forEach((box) => { box.checked = ticked.has(box.value); });
});
