// The inbox's bulk bar: a checkbox per row and one for the page. The bar shows while any row
// is checked and says how many; the form itself works without this script (the bar is then
// always shown). The live inbox replaces the rows: the checked ones are checked again.
const form = document.querySelector("[data-bulk]");
const bar = form?.querySelector("[data-bulk-bar]");
// A refused change answers the POST with the inbox: put the inbox's own address back, so
// that the live refresh and a reload fetch the same list.
if (form?.dataset.inboxUrl) {
  const inbox = new URL(form.dataset.inboxUrl, window.location.href);
  if (inbox.pathname !== window.location.pathname)
    window.history.replaceState(null, "", inbox.href);
}
if (form && bar) {
  const picked = new Set(
    [...form.querySelectorAll("input[name=ids]:checked")].map((box) => box.value),
  );
  const boxes = () => [...form.querySelectorAll("input[name=ids]")];
  const all = () => form.querySelector("[data-bulk-all]");

  const show = () => {
    const rows = boxes();
    // a ticket that left the list (solved elsewhere, say) is no longer selected
    const here = new Set(rows.map((box) => box.value));
    for (const id of [...picked]) if (!here.has(id)) picked.delete(id);
    for (const box of rows) box.checked = picked.has(box.value);
    const head = all();
    if (head) {
      head.hidden = rows.length === 0;
      head.checked = rows.length > 0 && picked.size === rows.length;
      head.indeterminate = picked.size > 0 && picked.size < rows.length;
    }
    for (const box of rows) box.closest("tr")?.classList.toggle("picked", box.checked);
    bar.hidden = picked.size === 0;
    const count = bar.querySelector("[data-bulk-count]");
    if (count) count.textContent = `${picked.size} selected`;
  };

  form.addEventListener("change", (event) => {
    const box = event.target;
    if (!(box instanceof HTMLInputElement)) return;
    if (box.matches("[data-bulk-all]")) {
      for (const row of boxes()) {
        if (box.checked) picked.add(row.value);
        else picked.delete(row.value);
      }
    } else if (box.name === "ids") {
      if (box.checked) picked.add(box.value);
      else picked.delete(box.value);
    } else return;
    show();
  });

  // Escape clears the selection (when the focus is on a checkbox or in the bar)
  form.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || !picked.size) return;
    if (!event.target.closest("[data-bulk-bar], input[type=checkbox]")) return;
    picked.clear();
    show();
  });

  document.addEventListener("admin:rows", show);
  show();
}
