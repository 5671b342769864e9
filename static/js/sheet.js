// Tables worked like a sheet from the keyboard (table[data-sheet]: the tracker grid and the roll
// call). Every control stays the labelled form control htmx saves on "change" with its record
// version (a conflict or an error comes back in place), so this module only moves the focus and
// sets values; it never writes by itself.
//
//   Arrow keys       move between cells (in a time or text box Left and Right stay in the box)
//   Enter            moves down, as in a sheet (Shift+Enter up); Tab leaves a time box at once
//   Ctrl+V           pastes a block copied from Google Sheets or Excel, from this cell right
//                    and down (a column of 25 statuses, or of 25 arrival times, is one paste)
// In the tracker:
//   a letter / 1-6   sets the status starting with that letter, or the n-th status
//   Space            toggles done: Complete, or back to In progress
//   Ctrl+C           copies this cell's status
//   Shift+Up/Down    selects cells down the column; a letter, a number or Space sets them all
//   Ctrl+D           fills down: the selection with its first cell's status (or this cell with
//                    the one above's)
//   Ctrl+Z           undoes the last change (a key, a paste, a fill), saving the values before;
//                    a cell still saving is undone once its answer is in
//   in a note        Enter saves it and goes to the next agent's (Shift+Enter is a new line); a
//                    column of notes pasted from a sheet fills one agent each
// In the roll call:
//   Shift+Up/Down    selects rows (so do their boxes); from a row's box, p, l, h or a sets every
//                    selected row present at its shift start, late by the policy's threshold,
//                    late by its partial-day threshold, or absent (so do the buttons above)
(() => {
  const DONE = ["complete", "verified"];
  const TRUE = ["x", "yes", "y", "true", "1", "absent", "excused", "✓", "✔"];

  const CONTROLS = "select, textarea, input:not([type=hidden])";

  function sheetOf(control) {
    return control instanceof Element ? control.closest("table[data-sheet]") : null;
  }

  function rowsOf(table) {
    return [...table.tBodies[0].rows].filter((row) => row.querySelector(`td ${CONTROLS}`));
  }

  // A cell is a column of the table (its <td>), whatever else it holds (a blocked cell's reason
  // box, a message): its control is the first one in it.
  function controlAt(row, c) {
    const cell = row.cells[c];
    return cell && cell.tagName === "TD" && !cell.hasAttribute("data-sheet-skip") ? cell.querySelector(CONTROLS) : null;
  }

  function position(control) {
    const table = sheetOf(control);
    const row = control.closest("tr");
    return { table, r: rowsOf(table).indexOf(row), c: control.closest("td").cellIndex };
  }

  function at(table, r, c) {
    const rows = rowsOf(table);
    return r >= 0 && r < rows.length ? controlAt(rows[r], c) : null;
  }

  function move(control, dr, dc) {
    const { table, r, c } = position(control);
    let next = null;
    if (dc === 0) {
      next = at(table, r + dr, c);
    } else {
      const row = rowsOf(table)[r];
      for (let k = c + dc; k >= 0 && k < row.cells.length && !next; k += dc) next = controlAt(row, k);
    }
    if (next) next.focus();
    return next;
  }

  // A control of a part that has just been swapped in may not be wired yet (htmx does it as the
  // part settles): wire it first, so that the change is always sent.
  function changed(control) {
    const part = control.closest("[hx-post]");
    if (part && window.htmx) window.htmx.process(part);
    control.dispatchEvent(new Event("change", { bubbles: true }));
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

  // "9:05", "09:05:00", "1:05 PM" or "13.05" as a time box's "HH:MM"; "" for an empty cell;
  // null for text that is no time (the box is left as it is).
  function timeFor(text) {
    const wanted = text.trim().toLowerCase();
    if (!wanted) return "";
    const found = wanted.match(/^(\d{1,2})[:.](\d{2})(?::\d{2})?\s*(am|pm)?$/);
    if (!found) return null;
    let hours = Number(found[1]);
    const minutes = Number(found[2]);
    if (found[3] === "pm" && hours < 12) hours += 12;
    if (found[3] === "am" && hours === 12) hours = 0;
    if (hours > 23 || minutes > 59) return null;
    return `${String(hours).padStart(2, "0")}:${String(minutes).padStart(2, "0")}`;
  }

  // What the last actions changed, to undo them (Ctrl+Z): each action is a list of the controls
  // it set (by id: a saved cell comes back as a new element) with their values before.
  const undo = [];
  let action = null;

  function valueOf(control) {
    return control.type === "checkbox" ? (control.checked ? "yes" : "no") : control.value;
  }

  function begin() {
    action = [];
    undo.push(action);
    if (undo.length > 50) undo.shift();
  }

  function saving(id) {
    const control = document.getElementById(id);
    const part = control && control.closest("[hx-post]");
    return Boolean(part && part.classList.contains("htmx-request"));
  }

  // Run fn(control) once the control's part has its answer in (at once if it is not saving), so
  // that the undo is sent with the record version that answer carries, never beside it.
  function whenSaved(id, fn) {
    if (!saving(id)) {
      const control = document.getElementById(id);
      if (control) fn(control);
      return;
    }
    const check = () => {
      if (saving(id)) return;
      document.removeEventListener("htmx:afterSettle", check);
      const control = document.getElementById(id);
      if (control) fn(control);
    };
    document.addEventListener("htmx:afterSettle", check);
  }

  function undoLast() {
    const last = undo.pop();
    action = null;
    for (const { id, before } of last.reverse()) whenSaved(id, (control) => putValue(control, before));
  }

  // Put a pasted or typed value into any kind of control; true when it changed.
  function put(control, text) {
    const before = valueOf(control);
    const done = putValue(control, text);
    if (done && action && control.id) action.push({ id: control.id, before });
    return done;
  }

  function putValue(control, text) {
    if (control instanceof HTMLSelectElement) {
      const value = statusFor(control, text);
      if (value === null || control.value === value) return false;
      control.value = value;
    } else if (control.type === "checkbox") {
      const checked = TRUE.includes(text.trim().toLowerCase());
      if (control.checked === checked) return false;
      control.checked = checked;
    } else if (control.type === "time") {
      const value = timeFor(text);
      if (value === null || control.value === value) return false;
      control.value = value;
    } else {
      const value = text.trim();
      if (control.value === value) return false;
      control.value = value;
    }
    changed(control);
    return true;
  }

  // A selection of cells down one column (Shift+Up/Down from the cell it started on): a letter,
  // a number or Space sets them all, Ctrl+D fills them with the first one's status.
  let selection = null; // { table, c, anchor, r }

  function selectedControls() {
    if (!selection) return [];
    const low = Math.min(selection.anchor, selection.r);
    const high = Math.max(selection.anchor, selection.r);
    const controls = [];
    for (let r = low; r <= high; r += 1) {
      const control = at(selection.table, r, selection.c);
      if (control) controls.push(control);
    }
    return controls;
  }

  function markSelection() {
    for (const cell of document.querySelectorAll("td.sheet-selected")) cell.classList.remove("sheet-selected");
    for (const control of selectedControls()) control.closest("td").classList.add("sheet-selected");
  }

  function clearSelection() {
    selection = null;
    markSelection();
  }

  // Rows of the roll call picked by their boxes, for a quick pick that sets them all; each row
  // then saves as if typed, with its record version (a conflict shows in its row).
  let rowRange = null; // { table, anchor }

  function pickBoxes(table) {
    return table ? [...table.querySelectorAll(".row-pick")] : [];
  }

  function pickedRows(table) {
    return pickBoxes(table)
      .filter((box) => box.checked)
      .map((box) => box.closest("tr"));
  }

  function showPicked() {
    const bar = document.getElementById("picks");
    if (!bar) return;
    const n = pickedRows(document.getElementById("roll-call")).length;
    bar.querySelector("#picked-count").textContent = n ? `${n} row${n === 1 ? "" : "s"} selected` : "No rows selected";
    for (const button of bar.querySelectorAll("button[data-pick]")) button.disabled = n === 0;
  }

  function unpick(table) {
    rowRange = null;
    for (const box of pickBoxes(table)) box.checked = false;
    const all = document.getElementById("pick-all");
    if (all) all.checked = false;
    showPicked();
  }

  function later(time, minutes) {
    const [hours, mins] = time.split(":").map(Number);
    const total = Math.min(hours * 60 + mins + minutes, 23 * 60 + 59);
    return `${String(Math.floor(total / 60)).padStart(2, "0")}:${String(total % 60).padStart(2, "0")}`;
  }

  function setTo(control, value) {
    if (control.type === "checkbox" ? control.checked === value : control.value === value) return false;
    if (control.type === "checkbox") control.checked = value;
    else control.value = value;
    return true;
  }

  const PICK_KEYS = { p: "present", l: "late", h: "partial", a: "absent" };

  function pick(kind) {
    const bar = document.getElementById("picks");
    const table = document.getElementById("roll-call");
    if (!bar || !table || !Object.values(PICK_KEYS).includes(kind)) return;
    const minutes = { present: 0, late: Number(bar.dataset.tardy), partial: Number(bar.dataset.partial) };
    for (const row of pickedRows(table)) {
      const field = (name) => row.querySelector(`input[name$="-${name}"]`);
      const absent = kind === "absent";
      let any = setTo(field("absent"), absent);
      any = setTo(field("arrival"), absent ? "" : later(row.dataset.shiftStart, minutes[kind])) || any;
      if (absent) any = setTo(field("departure"), "") || any;
      if (any) changed(field("arrival"));
    }
    unpick(table);
  }

  // A box only selects: its change must not reach the row, which would save it.
  document.addEventListener(
    "change",
    (event) => {
      const box = event.target;
      if (!(box instanceof HTMLInputElement) || !(box.classList.contains("row-pick") || box.id === "pick-all")) return;
      event.stopPropagation();
      if (box.id === "pick-all") {
        for (const other of pickBoxes(document.getElementById("roll-call"))) {
          other.checked = box.checked && !other.hasAttribute("data-away");
        }
      }
      showPicked();
    },
    true,
  );

  document.addEventListener("click", (event) => {
    const button = event.target instanceof Element ? event.target.closest("#picks button[data-pick]") : null;
    if (button) pick(button.dataset.pick);
  });

  function targets(control) {
    const chosen = selectedControls();
    return chosen.length > 1 ? chosen : [control];
  }

  document.addEventListener("keydown", (event) => {
    const control = event.target;
    const table = sheetOf(control);
    if (!table || event.metaKey || event.altKey || control.closest("[data-sheet-skip]")) return; // a form of its own
    const select = control instanceof HTMLSelectElement;
    const note = control instanceof HTMLTextAreaElement;
    const box = control instanceof HTMLInputElement && control.type !== "checkbox";
    if (event.ctrlKey) {
      const key = event.key.toLowerCase();
      if (key === "z" && !note && !box && undo.length) {
        event.preventDefault();
        undoLast();
      } else if (key === "d" && select) {
        event.preventDefault(); // fill down: the selection from its first cell, or this cell from the one above
        const chosen = selectedControls();
        const { r, c } = position(control);
        const source = chosen.length > 1 ? chosen[0] : at(table, r - 1, c);
        if (!source) return;
        const text = source.selectedOptions[0].textContent.trim();
        begin();
        for (const target of chosen.length > 1 ? chosen.slice(1) : [control]) put(target, text);
      }
      return;
    }
    const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0] };
    if (!box) Object.assign(moves, { ArrowLeft: [0, -1], ArrowRight: [0, 1] });
    if (note) {
      if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        changed(control);
        move(control, 1, 0);
      }
      return;
    }
    const picking = table.querySelector(".row-pick");
    if (picking && event.shiftKey && (event.key === "ArrowUp" || event.key === "ArrowDown")) {
      event.preventDefault(); // select the rows from where the selection began to the next one
      const { r } = position(control);
      if (!rowRange || rowRange.table !== table) rowRange = { table, anchor: r };
      const next = move(control, event.key === "ArrowUp" ? -1 : 1, 0);
      const to = next ? position(next).r : r;
      rowsOf(table).forEach((row, i) => {
        const box = row.querySelector(".row-pick");
        if (box) box.checked = i >= Math.min(rowRange.anchor, to) && i <= Math.max(rowRange.anchor, to);
      });
      showPicked();
      return;
    }
    if (picking && control.classList.contains("row-pick") && PICK_KEYS[event.key.toLowerCase()]) {
      event.preventDefault();
      if (pickedRows(table).length) pick(PICK_KEYS[event.key.toLowerCase()]);
      return;
    }
    if (select && event.shiftKey && (event.key === "ArrowUp" || event.key === "ArrowDown")) {
      event.preventDefault();
      const { r, c } = position(control);
      if (!selection || selection.table !== table || selection.c !== c) selection = { table, c, anchor: r, r };
      const next = move(control, event.key === "ArrowUp" ? -1 : 1, 0);
      if (next) selection.r = position(next).r;
      markSelection();
      return;
    }
    if (event.key === "Escape") {
      clearSelection();
      if (picking) unpick(table);
    } else if (event.key === "Tab" && control.type === "time") {
      // to the next cell, not through the box's hour and minute parts (typing fills them)
      if (move(control, 0, event.shiftKey ? -1 : 1)) event.preventDefault();
    } else if (event.key in moves) {
      event.preventDefault();
      clearSelection();
      rowRange = null;
      move(control, ...moves[event.key]);
    } else if (event.key === "Enter") {
      event.preventDefault();
      clearSelection();
      move(control, event.shiftKey ? -1 : 1, 0);
    } else if (select && event.key === " ") {
      event.preventDefault();
      const text = DONE.includes(control.value) ? "in progress" : "complete";
      begin();
      for (const target of targets(control)) put(target, text);
    } else if (select && event.key.length === 1 && /[\p{L}\p{N}]/u.test(event.key)) {
      event.preventDefault(); // not the browser's type-ahead, which keeps earlier letters
      begin();
      for (const target of targets(control)) put(target, event.key);
    }
  });

  // Space must not open a status list either (the browser opens it on the key's release; arrows
  // would then move inside the open list and change the cell).
  document.addEventListener("keyup", (event) => {
    if (event.key === " " && event.target instanceof HTMLSelectElement && sheetOf(event.target)) {
      event.preventDefault();
    }
  });

  // A saved row or cell comes back as a new element: the focus goes back to the control the user
  // was on as soon as it is in the page (a change on it is sent even before htmx has settled it:
  // see changed()), so the next key goes there, not to the page.
  let refocus = null;
  let repick = [];
  document.addEventListener("htmx:beforeSwap", (event) => {
    const active = document.activeElement;
    refocus = active && active.id && sheetOf(active) && event.detail.target.contains(active) ? active.id : null;
    repick = [...event.detail.target.querySelectorAll(".row-pick:checked")].map((box) => box.id);
  });
  document.addEventListener("htmx:afterSwap", () => {
    for (const id of repick) {
      const box = document.getElementById(id);
      if (box) box.checked = true; // a saved row stays selected
    }
    repick = [];
    const element = refocus && document.getElementById(refocus);
    refocus = null;
    const lost = !document.activeElement || document.activeElement === document.body;
    if (element && lost) element.focus(); // never away from where the user has moved since
  });

  // A row's "n/6 done" follows its cells' saves: each cell says whether the server holds it done
  // (data-done), so the count is the server's, not a rule of its own here; so does the roll
  // call's count of rows not taken (data-missing).
  document.addEventListener("htmx:afterSettle", () => {
    markSelection();
    for (const count of document.querySelectorAll("table[data-sheet] .done-count")) {
      const row = count.closest("tr");
      const done = row.querySelectorAll('td[data-done="1"]').length;
      count.textContent = `${done}/${row.querySelectorAll("td[data-done]").length}`;
    }
    // The roll call's "not taken" count: the rows the server marks as still to be taken.
    const markAll = document.getElementById("mark-all-button");
    const rollCall = document.getElementById("roll-call");
    if (markAll && rollCall) {
      const missing = rollCall.querySelectorAll("tbody tr[data-missing]").length;
      markAll.textContent = missing ? `Mark all present (${missing} not taken)` : "Mark all present";
      markAll.disabled = !missing;
    }
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

  document.addEventListener("paste", (event) => {
    const control = event.target;
    const table = sheetOf(control);
    const data = event.clipboardData;
    if (!table || !data || control.closest("[data-sheet-skip]")) return;
    const text = data.getData("text/plain");
    const cells = block(text);
    const single = cells.length === 1 && cells[0].length === 1;
    // Text typed into a box or a note pastes as it is, unless it is a block from a sheet.
    const typed = control instanceof HTMLTextAreaElement || (control.type === "text" && single);
    if (typed && !(fromSheet(data) && !single)) return;
    event.preventDefault();
    begin();
    const { r, c } = position(control);
    cells.forEach((values, i) => {
      values.forEach((value, j) => {
        const target = at(table, r + i, c + j);
        if (target) put(target, value);
      });
    });
  });

  document.addEventListener("copy", (event) => {
    const control = event.target;
    if (!(control instanceof HTMLSelectElement) || !sheetOf(control)) return;
    event.preventDefault();
    event.clipboardData.setData("text/plain", control.selectedOptions[0].textContent.trim());
  });
})();
