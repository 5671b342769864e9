// Small behaviours without inline scripts (the Content-Security-Policy allows none).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});

// Parts of the busiest pages are cached without a CSRF token (a token is never cached): a plain
// POST form in them gets this request's token, from the page's <meta name="csrf-token">, as it
// is sent. htmx requests carry it in a header (hx-headers on <body>).
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || form.method.toLowerCase() !== "post") return;
  if (form.querySelector("input[name=csrfmiddlewaretoken]")) return;
  const meta = document.querySelector("meta[name=csrf-token]");
  if (!meta) return;
  const input = document.createElement("input");
  input.type = "hidden";
  input.name = "csrfmiddlewaretoken";
  input.value = meta.content;
  form.appendChild(input);
});

// A message for the user where they are, for answers that swap nothing: the server's "esp:notice"
// (HX-Trigger), and an answer htmx could not use (a 5xx, no network), which would otherwise be
// silent and leave the user believing a change was saved.
function showNotice(message, ok) {
  const box = document.getElementById("esp-notices");
  if (!box) return;
  const alert = document.createElement("div");
  alert.className = `alert alert-${ok ? "success" : "danger"} alert-dismissible shadow-sm`;
  alert.setAttribute("role", ok ? "status" : "alert");
  alert.textContent = message;
  const close = document.createElement("button");
  close.type = "button";
  close.className = "btn-close";
  close.setAttribute("data-bs-dismiss", "alert");
  close.setAttribute("aria-label", "Close");
  alert.appendChild(close);
  box.appendChild(alert);
}

document.addEventListener("esp:notice", (event) => {
  showNotice(event.detail.message, event.detail.ok);
});

document.addEventListener("htmx:responseError", (event) => {
  const xhr = event.detail.xhr;
  if (xhr.getResponseHeader("HX-Trigger")) return; // the server's own notice says it
  const what = event.detail.requestConfig.verb === "get" ? "Could not load" : "Not saved";
  showNotice(`${what}: the server answered ${xhr.status}. Try again in a moment.`, false);
});

document.addEventListener("htmx:sendError", (event) => {
  const what = event.detail.requestConfig.verb === "get" ? "Could not load" : "Not saved";
  showNotice(`${what}: the server could not be reached. Check your connection and try again.`, false);
});
