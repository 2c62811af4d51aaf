// Incident templates on "Log a call": choosing one in <select data-template-filling="…/templates/0/filling/">
// asks the server what it fills in and puts it in the form. Selects (service, impact, urgency) take the template's
// values; the description and the symptoms take them only where the operator has not written their own (empty, or
// still what the previous template put there). The similar panel and the priority follow, as if typed.
"use strict";

function templateFill(field, value, { onlyUntouched }) {
  if (!field) return;
  const untouched = field.value.trim() === "" || field.value === field.dataset.templateValue;
  if (onlyUntouched && !untouched) return;
  field.value = value;
  field.dataset.templateValue = value;
  field.dispatchEvent(new Event(field.tagName === "SELECT" || field.type === "hidden" ? "change" : "input",
    { bubbles: true }));
}

function templateSay(note, text) {
  if (!note) return;
  note.textContent = text;
  note.hidden = !text;
}

async function templateChosen(select) {
  const note = document.getElementById("template-filled");
  if (!select.value) return templateSay(note, "");
  const address = select.dataset.templateFilling.replace("/0/", `/${encodeURIComponent(select.value)}/`);
  const response = await fetch(address, { headers: { Accept: "application/json" } });
  if (!response.ok) return templateSay(note, note && note.dataset.failed);
  const filling = await response.json();
  const form = select.form;
  templateFill(form.elements.short_description, filling.short_description, { onlyUntouched: true });
  templateFill(form.elements.symptoms, filling.symptoms, { onlyUntouched: true });
  templateFill(form.elements.service_text, filling.service_text, { onlyUntouched: false });
  templateFill(form.elements.service, String(filling.service), { onlyUntouched: false });
  templateFill(form.elements.impact, String(filling.impact), { onlyUntouched: false });
  templateFill(form.elements.urgency, String(filling.urgency), { onlyUntouched: false });
  if (!note) return;
  let text = note.dataset.filled.replace("{name}", select.selectedOptions[0].textContent);
  if (filling.category) text += ` ${note.dataset.category.replace("{category}", filling.category)}`;
  templateSay(note, text);
}

document.addEventListener("change", (event) => {
  const select = event.target.closest && event.target.closest("select[data-template-filling]");
  if (select) templateChosen(select);
});
