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

// A form that must make one record however often it is posted carries a token (data-fresh-token)
// that the cached page cannot hold: each form gets its own when it appears.
function freshToken() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
function fillTokens(root) {
  root.querySelectorAll("input[data-fresh-token]").forEach((input) => {
    if (!input.value) input.value = freshToken();
  });
}
document.addEventListener("DOMContentLoaded", () => fillTokens(document));
document.addEventListener("htmx:load", (event) => fillTokens(event.target));

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

// A change that was not saved is undone on the page too: its controls go back to what the page
// was rendered with, so nothing on screen claims a value the server does not hold.
function restore(element) {
  const part = element instanceof Element ? element.closest("[hx-post]") || element : null;
  if (!part) return;
  for (const control of part.querySelectorAll("select, input, textarea")) {
    if (control instanceof HTMLSelectElement) {
      for (const option of control.options) option.selected = option.defaultSelected;
    } else if (control.type === "checkbox" || control.type === "radio") {
      control.checked = control.defaultChecked;
    } else if (control.type !== "hidden") {
      control.value = control.defaultValue;
    }
  }
}

document.addEventListener("esp:notice", (event) => {
  showNotice(event.detail.message, event.detail.ok);
  if (!event.detail.ok) restore(event.target);
});

function failed(event, why) {
  const verb = event.detail.requestConfig ? event.detail.requestConfig.verb : "post";
  if (verb === "get") {
    showNotice(`Could not load: ${why}. Try again in a moment.`, false);
  } else {
    showNotice(`Not saved: ${why}. Nothing was changed; try again.`, false);
    restore(event.detail.elt);
  }
}

document.addEventListener("htmx:responseError", (event) => {
  if (event.detail.xhr.getResponseHeader("HX-Trigger")) return; // the server's own notice says it
  failed(event, `the server answered ${event.detail.xhr.status}`);
});

document.addEventListener("htmx:sendError", (event) => {
  failed(event, "the server could not be reached; check your connection");
});

// After every change the server took, the cohort bar's counts are asked for again (the bar
// listens for "esp:saved" on the body), so they follow each save without a reload.
// Other tabs of the app hear of it too ("esp:saved-elsewhere"): the TL's board, open beside the
// tracker or the roll call, asks for its cards again. So does a page the TL comes back to, since a
// save may have been made by a form that reloads its own page.
const espSaves = "BroadcastChannel" in window ? new BroadcastChannel("esp-saves") : null;
document.addEventListener("htmx:afterRequest", (event) => {
  const config = event.detail.requestConfig;
  if (!event.detail.successful || !config || config.verb === "get") return;
  document.body.dispatchEvent(new CustomEvent("esp:saved"));
  if (espSaves) espSaves.postMessage("saved");
});
function savedElsewhere() {
  document.body.dispatchEvent(new CustomEvent("esp:saved-elsewhere"));
}
if (espSaves) espSaves.addEventListener("message", savedElsewhere);
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") savedElsewhere();
});
window.addEventListener("pageshow", (event) => {
  if (event.persisted) savedElsewhere(); // back to a page the browser kept as it was
});
