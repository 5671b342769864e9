// The tracker grid worked like a sheet, from the keyboard: each cell is still its own <select>
// that htmx saves on "change" with its record version (a conflict or an error comes back in the
// cell), so this module only moves the focus and sets values; it never writes by itself.
//
//   Arrow keys       move between cells (Up and Down no longer change the status)
//   Enter            moves down, as in a sheet (Shift+Enter up)
//   a letter / 1-6   sets the status starting with that letter, or the n-th status
//   Space            toggles done: Complete, or back to In progress
//   Ctrl+V           pastes a block copied from Google Sheets or Excel, from this cell right
//                    and down (a column of 25 statuses is one paste)
//   Ctrl+C           copies this cell's status
//
// Notes: Enter saves the note and moves to the next agent's (Shift+Enter is a new line); a
// column of notes pasted from a sheet fills one agent each.
(() => {
  const grid = document.getElementById("tracker");
  if (!grid) return;

  const DONE = ["complete", "verified"];

  function cellsOf(row) {
    return [...row.querySelectorAll("td.cell select, td.note-cell textarea")];
  }

  function rows() {
    return [...grid.tBodies[0].rows].filter((row) => cellsOf(row).length);
  }

  function position(control) {
    const row = control.closest("tr");
    return { rows: rows(), r: rows().indexOf(row), c: cellsOf(row).indexOf(control) };
  }

  function at(r, c) {
    const all = rows();
    if (r < 0 || r >= all.length) return null;
    const cells = cellsOf(all[r]);
    return cells[Math.max(0, Math.min(c, cells.length - 1))] || null;
  }

  function move(control, dr, dc) {
    const { r, c } = position(control);
    const next = at(r + dr, c + dc);
    if (next) next.focus();
    return next;
  }

  // The status a typed or pasted text names: its value, its label, the start of its label, or
  // its number in the list (1 for the first).
  function statusFor(select, text) {
    const wanted = text.trim().toLowerCase();
    if (!wanted) return null;
    const options = [...select.options];
    const number = Number.parseInt(wanted, 10);
    if (String(number) === wanted && number >= 1 && number <= options.length) return options[number - 1].value;
    const exact = options.find(
      (o) => o.value.toLowerCase() === wanted || o.textContent.trim().toLowerCase() === wanted,
    );
    if (exact) return exact.value;
    const start = options.find((o) => o.textContent.trim().toLowerCase().startsWith(wanted));
    return start ? start.value : null;
  }

  function set(select, value) {
    if (value === null || select.value === value) return false;
    select.value = value;
    select.dispatchEvent(new Event("change", { bubbles: true }));
    return true;
  }

  function setNote(textarea, text) {
    if (textarea.value === text) return;
    textarea.value = text;
    textarea.dispatchEvent(new Event("change", { bubbles: true }));
  }

  grid.addEventListener("keydown", (event) => {
    const control = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (control instanceof HTMLSelectElement && control.closest("td.cell")) {
      const moves = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
      if (event.key in moves) {
        event.preventDefault();
        move(control, ...moves[event.key]);
      } else if (event.key === "Enter") {
        event.preventDefault();
        move(control, event.shiftKey ? -1 : 1, 0);
      } else if (event.key === " ") {
        event.preventDefault();
        set(control, DONE.includes(control.value) ? "in_progress" : "complete");
      } else if (event.key.length === 1 && /[\p{L}\p{N}]/u.test(event.key)) {
        event.preventDefault(); // not the browser's type-ahead, which keeps earlier letters
        set(control, statusFor(control, event.key));
      }
    } else if (control instanceof HTMLTextAreaElement && control.closest("td.note-cell")) {
      if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        control.dispatchEvent(new Event("change", { bubbles: true }));
        move(control, 1, 0);
      }
    }
  });

  // Space must not open the list either (the browser opens it on the key's release; arrows would
  // then move inside the open list and change the cell).
  grid.addEventListener("keyup", (event) => {
    if (event.key === " " && event.target instanceof HTMLSelectElement && event.target.closest("td.cell")) {
      event.preventDefault();
    }
  });

  // A saved cell comes back as a new element: the focus stays on it, at once, so that the next
  // key goes to the cell the user is on (not to the page while the answer settles).
  let refocus = null;
  grid.addEventListener("htmx:beforeSwap", (event) => {
    const active = document.activeElement;
    refocus = active && active.id && event.detail.target.contains(active) ? active.id : null;
  });
  document.body.addEventListener("htmx:afterSwap", () => {
    const element = refocus && document.getElementById(refocus);
    refocus = null;
    if (element && document.activeElement !== element) element.focus();
  });

  // A block copied from a sheet: rows by line, cells by tab (the clipboard's plain text).
  function block(text) {
    const lines = text.replace(/\r/g, "").split("\n");
    if (lines.length > 1 && lines[lines.length - 1] === "") lines.pop();
    return lines.map((line) => line.split("\t"));
  }

  function fromSheet(data) {
    const html = data.getData("text/html") || "";
    return /<table[\s>]/i.test(html) || (data.getData("text/plain") || "").includes("\t");
  }

  grid.addEventListener("paste", (event) => {
    const control = event.target;
    const data = event.clipboardData;
    if (!data) return;
    const text = data.getData("text/plain");
    const inCell = control instanceof HTMLSelectElement && control.closest("td.cell");
    const inNote = control instanceof HTMLTextAreaElement && control.closest("td.note-cell");
    // A note takes a pasted paragraph as it is; a column of notes from a sheet fills one agent each.
    if (!inCell && !(inNote && fromSheet(data) && block(text).length > 1)) return;
    event.preventDefault();
    const { r, c } = position(control);
    block(text).forEach((values, i) => {
      values.forEach((value, j) => {
        const target = at(r + i, c + j);
        if (!target || (j > 0 && cellsOf(target.closest("tr")).indexOf(target) !== c + j)) return;
        if (target instanceof HTMLSelectElement) set(target, statusFor(target, value));
        else setNote(target, value.trim());
      });
    });
  });

  grid.addEventListener("copy", (event) => {
    const control = event.target;
    if (!(control instanceof HTMLSelectElement) || !control.closest("td.cell")) return;
    event.preventDefault();
    event.clipboardData.setData("text/plain", control.selectedOptions[0].textContent.trim());
  });
})();
