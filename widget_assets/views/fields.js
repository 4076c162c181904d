// The app's custom ticket fields in the contact form, loaded with it: each field by its type
// (text, number, select, checkbox, date) with its label, required ones required, and their
// values as the server takes them in the ticket's "fields".

import { h } from "../dom.js";

/**
 * `items` are GET /ticket-fields' (those visible to the requester);
 * `field(label, control, optional)` is the form's own labelled field; `kept` holds the values
 * typed so far (the draft), so that they survive the user looking elsewhere.
 */
export function customFields({ t, items, field, kept }) {
  const shown = [...items].sort((a, b) => a.position - b.position);
  const controls = {};
  const wraps = {};
  for (const f of shown) {
    const attrs = {
      name: `fields.${f.key}`,
      required: f.required,
      "aria-required": f.required && "true",
      onchange: read,
      oninput: read,
    };
    let control;
    if (f.type === "select") {
      control = h(
        "select",
        attrs,
        h("option", { value: "", text: t("chooseOne") }),
        f.options.map((o) => h("option", { value: o, text: o })),
      );
    } else if (f.type === "checkbox") {
      control = h("input", { ...attrs, type: "checkbox", required: false, "aria-required": null });
      control.checked = kept[f.key] === true;
    } else {
      control = h("input", {
        ...attrs,
        type: f.type === "text" ? "text" : f.type,
        maxlength: f.type === "text" ? 2000 : null,
        step: f.type === "number" ? "any" : null,
      });
    }
    if (f.type !== "checkbox" && kept[f.key] !== undefined) control.value = kept[f.key];
    controls[f.key] = control;
    wraps[f.key] = field(f.label, control, !f.required && f.type !== "checkbox" && t("optional"));
  }

  function read(event) {
    const key = event.target.name.slice(7);
    kept[key] = event.target.type === "checkbox" ? event.target.checked : event.target.value;
  }

  /** {key: value} as the server takes them; empty optional ones left out. */
  function values() {
    const out = {};
    for (const f of shown) {
      const control = controls[f.key];
      if (f.type === "checkbox") out[f.key] = control.checked;
      else if (control.value.trim())
        out[f.key] = f.type === "number" ? Number(control.value) : control.value.trim();
    }
    return out;
  }

  /**
   * Show each field's problem, from `problems["fields.<key>"]` (a 422's details, or check's):
   * "required", or anything else. Returns the first control with one.
   */
  function fail(problems) {
    let first = null;
    for (const f of shown) {
      const problem = problems[`fields.${f.key}`];
      wraps[f.key].fail(problem && t(String(problem) === "required" ? "required" : "invalidField"));
      if (problem) first ||= controls[f.key];
    }
    return first;
  }

  /** The problems the browser can tell before sending, as `fail` takes them. */
  function check() {
    const problems = {};
    for (const f of shown) {
      const control = controls[f.key];
      if (control.validity.badInput) problems[control.name] = "invalid";
      else if (f.required && f.type !== "checkbox" && !control.value.trim())
        problems[control.name] = "required";
    }
    return problems;
  }

  return {
    node: shown.map((f) => wraps[f.key]),
    values,
    fail,
    check,
    has: (name) => name.slice(7) in wraps,
  };
}
