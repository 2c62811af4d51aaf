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
  // A picker's box that shows its choice says nothing the id does not: ?service=12, not &service_text=E-mail too.
  for (const input of form.querySelectorAll("[data-picker-input][data-picker-change]")) {
    if (document.querySelector(input.dataset.pickerValue).value) delete event.detail.parameters[input.name];
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
  const input = picker.querySelector("[data-picker-input]");
  if (!pickerOptions(picker).length && input.dataset.pickerSelect !== undefined) selectPickerList(input);
  const options = pickerOptions(picker);
  if (!options.length) return;
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

// Searchable selects (<select data-picker-select>): a plain select without script; with it, a picker whose box
// lists the select's options that contain every word typed, anywhere in the text ("jam" finds
// "Hardware / Printer / Paper jam"), and whose choice sets the select. ↓ with an empty box lists them all.
function selectPickerList(input) {
  const select = document.querySelector(input.dataset.pickerValue);
  const results = input.closest("[data-picker]").querySelector("[data-picker-results]");
  // The box still showing the choice lists every option, as a select would; what was typed narrows them.
  const typed = select.value && input.value === select.selectedOptions[0].text ? "" : input.value;
  const words = typed.toLowerCase().split(/\s+/).filter(Boolean);
  const list = document.createElement("ul");
  list.className = "search-results";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", input.labels[0] ? input.labels[0].textContent.replace("*", "").trim() : "");
  for (const option of select.options) {
    const text = option.text.toLowerCase();
    if (!option.value || !words.every((word) => text.includes(word))) continue;
    const item = document.createElement("li");
    Object.assign(item, { id: `${select.id}-option-${option.value}`, tabIndex: -1, textContent: option.text });
    item.setAttribute("role", "option");
    item.setAttribute("aria-selected", "false");
    Object.assign(item.dataset, { id: option.value, name: option.text });
    list.append(item);
  }
  const empty = document.createElement("p");
  Object.assign(empty, { className: "search-empty", textContent: select.dataset.pickerEmpty });
  empty.setAttribute("role", "status");
  results.replaceChildren(list.children.length ? list : empty);
  input.setAttribute("aria-expanded", String(list.children.length > 0));
}

function selectPickerClose(input) {
  input.closest("[data-picker]").querySelector("[data-picker-results]").replaceChildren();
  input.setAttribute("aria-expanded", "false");
  input.removeAttribute("aria-activedescendant");
}

function selectPickerBuild(select) {
  const field = select.parentElement;
  const label = document.querySelector(`label[for="${select.id}"]`);
  const input = document.createElement("input");
  const results = document.createElement("div");
  results.id = `${select.id}-results`;
  results.dataset.pickerResults = "";
  Object.assign(input, { type: "text", id: `${select.id}-search`, autocomplete: "off", spellcheck: false,
    placeholder: select.dataset.pickerPlaceholder || "" });
  Object.assign(input.dataset, { pickerInput: "", pickerValue: `#${select.id}`, pickerSelect: "" });
  const attributes = { role: "combobox", "aria-expanded": "false", "aria-controls": results.id, "aria-autocomplete": "list" };
  for (const [name, value] of Object.entries(attributes)) input.setAttribute(name, value);
  for (const name of ["aria-describedby", "aria-invalid"]) {
    if (select.hasAttribute(name)) input.setAttribute(name, select.getAttribute(name));
  }
  // Required is said, and checked by the server: a hidden required select would stop the form unexplained.
  if (select.required) input.setAttribute("aria-required", "true");
  select.required = false;
  input.value = select.value ? select.selectedOptions[0].text : "";
  if (label) label.htmlFor = input.id;
  field.dataset.picker = "select";
  select.hidden = true;
  select.after(input, results);
}

function selectPickersIn(root) {
  root.querySelectorAll("select[data-picker-select]:not([hidden])").forEach(selectPickerBuild);
}

document.addEventListener("DOMContentLoaded", () => selectPickersIn(document));
document.addEventListener("htmx:load", (event) => selectPickersIn(event.detail.elt));

document.addEventListener("input", (event) => {
  const input = event.target;
  if (!input.matches || !input.matches("input[data-picker-select]")) return;
  if (input.value.trim()) selectPickerList(input);
  else selectPickerClose(input);
});

// Enter in an open list without a choice is not the form's Enter: it would send the form with nothing chosen.
document.addEventListener("keydown", (event) => {
  const input = event.target;
  if (event.key !== "Enter" || event.ctrlKey || event.metaKey || event.defaultPrevented) return;
  if (input.matches && input.matches("input[data-picker-input][aria-expanded=true]")) event.preventDefault();
});

// A click in the box lists the options, as a select would; leaving the picker closes the list.
document.addEventListener("click", (event) => {
  const input = event.target.closest && event.target.closest("input[data-picker-select]");
  if (input && input.getAttribute("aria-expanded") !== "true") selectPickerList(input);
});

// Leaving it, the box shows what is chosen: typing without choosing chose nothing (the field says so).
document.addEventListener("focusout", (event) => {
  const picker = event.target.closest && event.target.closest("[data-picker=select]");
  if (!picker || picker.contains(event.relatedTarget)) return;
  const input = picker.querySelector("[data-picker-input]");
  const select = document.querySelector(input.dataset.pickerValue);
  selectPickerClose(input);
  input.value = select.value ? select.selectedOptions[0].text : "";
});

// The choice changes the select (or a search picker's hidden id, data-picker-change) as if the user had picked it
// there: filter forms follow their fields' changes.
document.addEventListener("picker:chosen", (event) => {
  const data = event.target.dataset;
  if (data.pickerSelect === undefined && data.pickerChange === undefined) return;
  document.querySelector(event.target.dataset.pickerValue).dispatchEvent(new Event("change", { bubbles: true }));
  event.target.focus();
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

// The call-logging form: the service the CIs' context proposes fills an empty service picker (never one the
// operator chose or is typing), and "Or: <service>" buttons put another one there. Each change refreshes the
// similar panel.
function useService(id, name) {
  const picked = document.getElementById("id_service");
  const box = document.getElementById("id_service_text");
  if (!picked || !box) return;
  picked.value = String(id);
  box.value = name;
  picked.dispatchEvent(new Event("change", { bubbles: true }));
}

document.addEventListener("htmx:afterSwap", (event) => {
  const proposal = event.detail.target.querySelector && event.detail.target.querySelector("[data-propose-service]");
  const picked = document.getElementById("id_service");
  const box = document.getElementById("id_service_text");
  if (proposal && picked && !picked.value && !box.value.trim()) {
    useService(proposal.dataset.proposeService, proposal.dataset.serviceName);
  }
});

document.addEventListener("click", (event) => {
  const button = event.target.closest && event.target.closest("[data-use-service]");
  if (button) useService(button.dataset.useService, button.dataset.serviceName);
});

// The call-logging form: ticking "serious incident" proposes the top priority (impact and urgency high); the
// operator may lower them again and then says why below.
document.addEventListener("change", (event) => {
  if (event.target.id !== "id_serious" || !event.target.checked) return;
  for (const id of ["id_impact", "id_urgency"]) {
    const select = document.getElementById(id);
    if (select && select.value !== "1") {
      select.value = "1";
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }
  }
});

// A file whose name is too long to be sent (data-max-name characters) is refused before the form goes, so that
// what was typed beside it is not lost to a request the server cannot read. The message comes translated in
// data-name-too-long, with {name} and {limit} to fill in.
document.addEventListener("change", (event) => {
  const input = event.target.closest && event.target.closest("input[type=file][data-max-name]");
  if (!input) return;
  const limit = Number(input.dataset.maxName);
  const long = [...input.files].find((file) => file.name.length > limit);
  const message = input.dataset.nameTooLong || "";
  input.setCustomValidity(long ? message.replace("{name}", long.name.slice(0, 40)).replace("{limit}", limit) : "");
  if (long) input.reportValidity();
});

// Copy buttons (data-copy="#id"): hidden without this script; a click puts that element's text on the clipboard
// and says so in the [data-copy-status] beside it. Where the clipboard is not allowed (a page not served over
// https), the text is selected instead, for Ctrl+C.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("button[data-copy][hidden]").forEach((button) => { button.hidden = false; });
});

document.addEventListener("click", async (event) => {
  const button = event.target.closest && event.target.closest("button[data-copy]");
  if (!button) return;
  const source = document.querySelector(button.dataset.copy);
  const status = button.parentElement.querySelector("[data-copy-status]");
  try {
    await navigator.clipboard.writeText(source.textContent.trim());
    status.textContent = button.dataset.copied;
  } catch {
    window.getSelection().selectAllChildren(source);
    status.textContent = button.dataset.copyFailed;
  }
});

// Keyboard shortcuts: "/" search, "n" log a call, "g i" / "g q" / "g d" go to a list, "?" lists them. The page
// lists those the user may use (templates/includes/shortcuts.html); none while typing, none with Ctrl, Alt or ⌘.
const SHORTCUT_SEQUENCE_MS = 1500;
let shortcutFirst = null;
let shortcutFirstAt = 0;

function typingIn(element) {
  if (!element || !element.closest) return false;
  return element.isContentEditable || element.closest("input, textarea, select, [contenteditable]:not([contenteditable=false])") !== null;
}

function shortcutSearchBox() {
  const candidates = ["#site-search", "form.filters input[type=search]", "form[role=search] input[type=search]",
    ".search-form input[type=search]", ".search-form input[type=text]"];
  for (const selector of candidates) {
    const box = document.querySelector(selector);
    if (box && !box.disabled && box.getClientRects().length > 0) return box;
  }
  return null;
}

function shortcutFollow(typed) {
  const link = document.querySelector(`#shortcuts a[data-shortcut="${typed}"]`);
  if (!link) return false;
  window.location.assign(link.href);
  return true;
}

document.addEventListener("keydown", (event) => {
  if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
  if (typingIn(event.target) || document.querySelector("dialog[open]")) return;
  const key = event.key;
  if (shortcutFirst === "g" && Date.now() - shortcutFirstAt < SHORTCUT_SEQUENCE_MS) {
    shortcutFirst = null;
    if (shortcutFollow(`g ${key}`)) event.preventDefault();
    return;
  }
  shortcutFirst = null;
  if (key === "g") {
    shortcutFirst = "g";
    shortcutFirstAt = Date.now();
  } else if (key === "/") {
    const box = shortcutSearchBox();
    if (box) {
      event.preventDefault();
      box.focus();
      box.select();
    }
  } else if (key === "?") {
    const dialog = document.getElementById("shortcuts");
    if (dialog) {
      event.preventDefault();
      dialog.showModal();
    }
  } else if (key === "n" && !event.shiftKey) {
    if (shortcutFollow("n")) event.preventDefault();
  }
});
