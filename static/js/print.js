// The print view's button: the browser's print dialog (an inline handler would be refused by the CSP).
"use strict";

document.addEventListener("click", (event) => {
  if (event.target.closest && event.target.closest("[data-print]")) window.print();
});
