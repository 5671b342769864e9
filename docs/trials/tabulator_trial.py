"""Issue 15's trial: Tabulator 6.5.3 on the tracker grid, against the app's own sheet.js, on the
same cohort with the same saves (each cell POSTed to its cell_save URL with its record version).
Not part of the app or its tests; docs/grid-library.md says how to run it and what it found."""

import os
import time
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright

BASE = os.environ.get("ESP_URL", "http://127.0.0.1:8000")
TAB = os.environ["TABULATOR_DIST"]
SHOTS = Path(__file__).resolve().parents[2] / "var"
BUILD = r"""
() => {
  const table = document.querySelector('#tracker');
  const tasks = [...table.querySelectorAll('thead th')].slice(1, -1).map(th => th.firstChild.textContent.trim());
  const options = [...table.querySelector('td.cell select').options].map(o => ({value: o.value, label: o.textContent.trim()}));
  const rows = [...table.querySelectorAll('tbody tr')].map(tr => {
    const row = {agent: tr.querySelector('th a').textContent.trim()};
    tr.querySelectorAll('td.cell').forEach((td, i) => {
      row['t' + i] = td.querySelector('select').value;
      row['v' + i] = td.querySelector('input[type=hidden]').value;
      row['u' + i] = td.getAttribute('hx-post');
      row['n' + i] = td.querySelector('select').name.replace('-status', '');
    });
    return row;
  });
  const labels = Object.fromEntries(options.map(o => [o.value, o.label]));
  const host = document.createElement('div'); host.id = 'tab'; table.closest('.table-responsive').before(host);
  table.closest('.table-responsive').style.display = 'none';
  window.tabSaves = [];
  const token = document.querySelector('meta[name=csrf-token]').content;
  window.grid = new Tabulator('#tab', {
    data: rows, layout: 'fitDataFill', height: '600px',
    selectableRange: 1, selectableRangeColumns: true, selectableRangeRows: true,
    editTriggerEvent: 'dblclick', clipboard: true, clipboardCopyStyled: false,
    clipboardCopyConfig: {rowHeaders: false, columnHeaders: false},
    clipboardCopyRowRange: 'range', clipboardPasteParser: 'range', clipboardPasteAction: 'range',
    columns: [{title: 'Agent', field: 'agent', frozen: true}].concat(tasks.map((name, i) => ({
      title: name, field: 't' + i, editor: 'list',
      editorParams: {values: Object.fromEntries(options.map(o => [o.value, o.label])), autocomplete: true, allowEmpty: false, listOnEmpty: true},
      formatter: cell => labels[cell.getValue()] || cell.getValue(),
      // a pasted label ("Complete") must become its value ("complete")
      mutatorClipboard: v => (options.find(o => o.label.toLowerCase() === String(v).trim().toLowerCase()) || {value: v}).value,
    }))),
  });
  window.edited = 0; window.pasted = 0;
  window.grid.on('clipboardPasted', () => { window.pasted += 1; });
  window.grid.on('cellEdited', async cell => { window.edited += 1;
    const field = cell.getField(), i = field.slice(1), data = cell.getRow().getData();
    const body = new URLSearchParams({[data['n' + i] + '-status']: cell.getValue(), [data['n' + i] + '-version']: data['v' + i]});
    const promise = fetch(data['u' + i], {method: 'POST', body, headers: {'X-CSRFToken': token, 'HX-Request': 'true'}}).then(async r => {
      const html = await r.text();
      const version = (html.match(/-version" value="(\d+)"/) || [])[1];
      if (version) cell.getRow().update({['v' + i]: version});
      return r.status;
    });
    window.tabSaves.push(promise);
  });
  return {tasks: tasks.length, rows: rows.length};
}
"""

with sync_playwright() as p:
    browser = p.chromium.launch(
        executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox", "--disable-gpu"]
    )
    page = browser.new_page(
        viewport={"width": 1366, "height": 768}, bypass_csp=True
    )  # as if served from static/
    page.goto(f"{BASE}/accounts/login/")
    page.get_by_label("Username").fill("tl1")
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state("load")
    href = page.locator("a[href^='/tracker/cohorts/']").first.get_attribute("href")
    page.goto(BASE + href.split("?")[0])
    page.wait_for_load_state("load")
    page.add_style_tag(path=f"{TAB}/css/tabulator_bootstrap5.min.css")
    page.add_script_tag(path=f"{TAB}/js/tabulator.min.js")
    print("built", page.evaluate(BUILD))
    page.wait_for_selector("#tab .tabulator-row")
    page.screenshot(path=str(SHOTS / "tabulator.png"))
    # 1. One status from the keyboard: click the cell (a range of one), then what opens its editor.
    first = page.locator("#tab .tabulator-row").first.locator(".tabulator-cell[tabulator-field='t0']")
    print("first cell before", page.evaluate("grid.getRows()[0].getData().t0"))
    first.click()
    keys = []
    for key in ("Enter", "F2", "Space"):
        page.keyboard.press(key)
        keys.append(key)
        if page.locator(".tabulator-edit-list").count():
            break
    opened = page.locator(".tabulator-edit-list").count() > 0
    print("editor opened by", keys[-1] if opened else None, "after", keys)
    if not opened:
        first.dblclick()
        opened = page.locator(".tabulator-edit-list").count() > 0
        print("dblclick opens editor:", opened)
    print(
        "focused:",
        page.evaluate("document.activeElement.outerHTML.slice(0, 200)"),
        "list:",
        page.evaluate(
            "[...document.querySelectorAll('.tabulator-edit-list-item')].map(e => e.textContent + (e.classList.contains('focused') ? '*' : ''))"
        ),
    )
    print("input value:", page.evaluate("document.activeElement.value"))
    page.keyboard.press("Control+a")
    page.keyboard.type("Comp")
    print(
        "after typing list:",
        page.evaluate(
            "[...document.querySelectorAll('.tabulator-edit-list-item')].map(e => e.textContent + (e.classList.contains('focused') ? '*' : ''))"
        ),
    )
    page.keyboard.press("ArrowDown")
    print(
        "after down:",
        page.evaluate(
            "[...document.querySelectorAll('.tabulator-edit-list-item')].map(e => e.textContent + (e.classList.contains('focused') ? '*' : ''))"
        ),
    )
    page.keyboard.press("Enter")
    time.sleep(0.5)
    print(
        "edited events",
        page.evaluate("edited"),
        "first cell now",
        page.evaluate("grid.getRows()[0].getData().t0"),
        "saves",
        page.evaluate("Promise.all(tabSaves)"),
    )
    # 2. Arrow keys move the range?
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowRight")
    print(
        "active range",
        page.evaluate(
            "(() => { const c = grid.getRanges()[0].getCells().flat()[0]; return [c.getRow().getPosition(), c.getField()]; })()"
        ),
    )
    # 3. A column of statuses pasted: select column t1 from row 1, paste 5 lines.
    page.locator("#tab .tabulator-row").first.locator(".tabulator-cell[tabulator-field='t1']").click()
    page.evaluate("""() => { const dt = new DataTransfer(); dt.setData('text/plain', 'Complete\\nVerified\\nComplete\\nIn progress\\nComplete\\n');
       const e = new ClipboardEvent('paste', {clipboardData: dt, bubbles: true}); (document.activeElement || document.body).dispatchEvent(e); }""")
    time.sleep(1)
    print(
        "pasted events",
        page.evaluate("pasted"),
        "edited events",
        page.evaluate("edited"),
        "after paste t1:",
        page.evaluate("grid.getRows().slice(0,6).map(r => r.getData().t1)"),
        "saves",
        page.evaluate("Promise.all(tabSaves)"),
    )
    # 4. axe on the Tabulator grid
    results = Axe().run(page, context="#tab")
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    print("axe serious/critical:", [(v["id"], len(v["nodes"])) for v in serious])
    print(
        "roles:",
        page.evaluate(
            "[...new Set([...document.querySelectorAll('#tab [role]')].map(e => e.getAttribute('role')))]"
        ),
    )
    print(
        "cells with an accessible name:",
        page.evaluate(
            "[...document.querySelectorAll('#tab .tabulator-cell[tabulator-field=t0]')].filter(c => c.getAttribute('aria-label')).length"
        ),
    )
    rows_visible = page.evaluate("document.querySelectorAll('#tab .tabulator-row').length")
    print("rows rendered:", rows_visible)
    page.screenshot(path=str(SHOTS / "tabulator-after.png"))
    browser.close()
