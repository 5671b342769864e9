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
