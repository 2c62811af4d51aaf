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
