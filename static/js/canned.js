// Canned replies: a text box marked data-canned="<options address>" (incidents.forms.journal.canned_picker) gets a
// button "Insert a reply" and a picker, also opened by "/" typed at the start of a line. Its options come from the
// server as the other pickers' (↑ ↓ Enter Esc, static/js/servicedesk.js); the reply chosen is asked filled for the
// incident and goes in where the cursor was.
"use strict";

const CANNED_DELAY_MS = 200;

function cannedParts(box) {
  const picker = document.getElementById(`${box.id}-canned-picker`);
  return { picker, input: picker.querySelector("[data-picker-input]"), results: picker.querySelector("[data-picker-results]") };
}

function cannedBuild(box) {
  if (box.dataset.cannedBuilt !== undefined || !box.id) return;
  box.dataset.cannedBuilt = "";
  const picker = document.createElement("div");
  Object.assign(picker, { id: `${box.id}-canned-picker`, className: "canned-picker", hidden: true });
  picker.dataset.picker = "canned";
  const results = document.createElement("div");
  results.id = `${box.id}-canned-results`;
  results.dataset.pickerResults = "";
  const input = document.createElement("input");
  Object.assign(input, { type: "search", id: `${box.id}-canned`, autocomplete: "off", spellcheck: false,
    placeholder: box.dataset.cannedSearch });
  Object.assign(input.dataset, { pickerInput: "", cannedFor: box.id });
  const attributes = { role: "combobox", "aria-expanded": "false", "aria-controls": results.id,
    "aria-autocomplete": "list", "aria-label": box.dataset.cannedSearch };
  for (const [name, value] of Object.entries(attributes)) input.setAttribute(name, value);
  const button = document.createElement("button");
  Object.assign(button, { type: "button", className: "link-button canned-open", textContent: box.dataset.cannedLabel });
  button.dataset.cannedOpen = box.id;
  button.setAttribute("aria-keyshortcuts", "/");
  picker.append(input, results);
  box.after(button, picker);
}

function cannedBuildIn(root) {
  if (root.matches && root.matches("textarea[data-canned]")) cannedBuild(root);
  root.querySelectorAll("textarea[data-canned]").forEach(cannedBuild);
}

document.addEventListener("DOMContentLoaded", () => cannedBuildIn(document));
document.addEventListener("htmx:load", (event) => cannedBuildIn(event.detail.elt));

async function cannedLoad(box) {
  const { input, results } = cannedParts(box);
  const response = await fetch(`${box.dataset.canned}?${new URLSearchParams({ q: input.value.trim() })}`,
    { headers: { "HX-Request": "true" } });
  if (!response.ok) return;
  results.innerHTML = await response.text();
  input.setAttribute("aria-expanded", String(results.querySelector("[role=option]") !== null));
  input.removeAttribute("aria-activedescendant");
}

function cannedOpen(box) {
  const { picker, input } = cannedParts(box);
  Object.assign(box.dataset, { cannedStart: box.selectionStart, cannedEnd: box.selectionEnd });
  picker.hidden = false;
  input.value = "";
  input.focus();
  cannedLoad(box);
}

function cannedClose(box) {
  const { picker, input, results } = cannedParts(box);
  results.replaceChildren();
  input.setAttribute("aria-expanded", "false");
  picker.hidden = true;
  box.focus();
  box.setSelectionRange(Number(box.dataset.cannedStart), Number(box.dataset.cannedEnd));
}

document.addEventListener("click", (event) => {
  const button = event.target.closest && event.target.closest("[data-canned-open]");
  if (button) cannedOpen(document.getElementById(button.dataset.cannedOpen));
});

// "/" at the start of a line (or of the box) opens the picker instead of being typed.
document.addEventListener("keydown", (event) => {
  const box = event.target;
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
  if (!box.matches || !box.matches("textarea[data-canned-built]") || box.selectionStart !== box.selectionEnd) return;
  const at = box.selectionStart;
  if (at === 0 || box.value[at - 1] === "\n") {
    event.preventDefault();
    cannedOpen(box);
  }
});

let cannedTimer = null;
document.addEventListener("input", (event) => {
  const input = event.target;
  if (!input.matches || !input.matches("[data-canned-for]")) return;
  clearTimeout(cannedTimer);
  cannedTimer = setTimeout(() => cannedLoad(document.getElementById(input.dataset.cannedFor)), CANNED_DELAY_MS);
});

// Enter never sends the form from the picker's box; Esc closes the picker and goes back to the text.
document.addEventListener("keydown", (event) => {
  const input = event.target;
  if (!input.matches || !input.matches("[data-canned-for]")) return;
  if (event.key === "Enter" && !(event.ctrlKey || event.metaKey)) event.preventDefault();
  if (event.key === "Escape") {
    event.preventDefault();
    cannedClose(document.getElementById(input.dataset.cannedFor));
  }
});

document.addEventListener("picker:chosen", async (event) => {
  const input = event.target;
  if (!input.dataset || input.dataset.cannedFor === undefined) return;
  const box = document.getElementById(input.dataset.cannedFor);
  const response = await fetch(`${box.dataset.canned}${event.detail.id}/`, { headers: { Accept: "application/json" } });
  if (!response.ok) return;
  const { text } = await response.json();
  cannedClose(box);
  box.setRangeText(text, Number(box.dataset.cannedStart), Number(box.dataset.cannedEnd), "end");
  box.dispatchEvent(new Event("input", { bubbles: true }));
});
