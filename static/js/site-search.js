// The header's search box: the list under it as one types (htmx fills it), the records opened lately when it is
// empty (kept in this browser only), and the keyboard: ↓ and ↑ move through the list, Esc closes it.
"use strict";

(() => {
  const RECENT_KEY = "servicedesk.recent";
  const RECENT_MAX = 8;

  function readRecent() {
    try {
      const items = JSON.parse(localStorage.getItem(RECENT_KEY) || "[]");
      return Array.isArray(items) ? items.filter((item) => item && item.url && item.label) : [];
    } catch {
      return [];
    }
  }

  // A record's page says what it is (<main data-recent-url data-recent-label data-recent-title>): remembered first.
  function rememberThisPage() {
    const main = document.querySelector("main[data-recent-url]");
    if (!main) return;
    const item = { url: main.dataset.recentUrl, label: main.dataset.recentLabel, title: main.dataset.recentTitle || "" };
    const items = [item, ...readRecent().filter((other) => other.url !== item.url)].slice(0, RECENT_MAX);
    try {
      localStorage.setItem(RECENT_KEY, JSON.stringify(items));
    } catch {
      // Storage full or refused: the box works without recents.
    }
  }

  function panelOf(form) {
    return form.querySelector(".site-search-panel");
  }

  function close(form) {
    const panel = panelOf(form);
    panel.hidden = true;
  }

  function showRecent(form) {
    const panel = panelOf(form);
    const items = readRecent();
    panel.replaceChildren();
    if (!items.length) {
      panel.hidden = true;
      return;
    }
    const heading = document.createElement("p");
    heading.className = "suggestion-group";
    heading.id = "suggestions-recent";
    heading.textContent = panel.dataset.recentTitle;
    const list = document.createElement("ul");
    list.className = "plain-list";
    list.setAttribute("aria-labelledby", heading.id);
    for (const item of items) {
      const link = document.createElement("a");
      link.className = "suggestion";
      link.href = item.url;
      const label = document.createElement("span");
      label.className = "hit-label";
      label.textContent = item.label;
      link.append(label, item.title ? ` ${item.title}` : "");
      const entry = document.createElement("li");
      entry.append(link);
      list.append(entry);
    }
    panel.append(heading, list);
    panel.hidden = false;
  }

  function links(form) {
    return [...panelOf(form).querySelectorAll("a.suggestion")];
  }

  function move(form, step) {
    const all = links(form);
    if (!all.length) return;
    const at = all.indexOf(document.activeElement);
    const next = at === -1 ? (step > 0 ? 0 : all.length - 1) : at + step;
    if (next < 0) form.querySelector("input").focus();
    else all[Math.min(next, all.length - 1)].focus();
  }

  document.addEventListener("DOMContentLoaded", () => {
    rememberThisPage();
    const form = document.querySelector("form[data-site-search]");
    if (!form) return;
    const input = form.querySelector("input");

    input.addEventListener("focus", () => {
      if (!input.value.trim()) showRecent(form);
    });
    input.addEventListener("input", () => {
      // An emptied box shows the recents again; htmx asks nothing for it (the endpoint would answer nothing).
      if (!input.value.trim()) showRecent(form);
    });
    form.addEventListener("htmx:beforeRequest", (event) => {
      if (!input.value.trim()) event.preventDefault();
    });
    form.addEventListener("htmx:afterSwap", () => {
      const panel = panelOf(form);
      panel.hidden = !input.value.trim() || !panel.children.length;
    });
    form.addEventListener("keydown", (event) => {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (panelOf(form).hidden) return;
        event.preventDefault();
        move(form, event.key === "ArrowDown" ? 1 : -1);
      } else if (event.key === "Escape" && !panelOf(form).hidden) {
        event.preventDefault();
        close(form);
        input.focus();
      }
    });
    // Leaving the box and its list (a click elsewhere, Tab past the last link) closes the list.
    form.addEventListener("focusout", (event) => {
      if (!form.contains(event.relatedTarget)) close(form);
    });
  });
})();
