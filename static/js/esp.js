// Small behaviours without inline scripts (the Content-Security-Policy allows none).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
