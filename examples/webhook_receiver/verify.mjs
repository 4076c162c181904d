// Verify a Support SDK webhook in Node.js with nothing but node:crypto (Standard Webhooks).
//
//   import { verify } from "./verify.mjs";
//   app.post("/webhooks", express.raw({ type: "application/json" }), (req, res) => {
//     let event;
//     try { event = verify(req.body, req.headers, process.env.WEBHOOK_SECRET); }
//     catch { return res.status(400).end(); }
//     // deduplicate by event.id (= webhook-id), then handle event.type / event.data
//     res.status(200).end();
//   });
//
// From the command line, with a captured request ({"headers": {...}, "body": "..."}):
//   WEBHOOK_SECRET=whsec_... node verify.mjs request.json
// prints the event's type and id, or exits 1 naming what is wrong.
//
// The `standardwebhooks` npm package does the same:
//   new Webhook(secret).verify(body, headers)   // import { Webhook } from "standardwebhooks"

import { createHmac, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { argv, env, exit } from "node:process";
import { pathToFileURL } from "node:url";

const TOLERANCE_SECONDS = 5 * 60;

export class WebhookVerificationError extends Error {}

export function verify(body, headers, secret, now = Date.now() / 1000) {
  const header = (name) => {
    const value = headers[name] ?? headers[name.toLowerCase()];
    if (typeof value !== "string" || value === "") {
      throw new WebhookVerificationError(`missing ${name} header`);
    }
    return value;
  };
  const id = header("webhook-id");
  const timestamp = header("webhook-timestamp");
  const signatures = header("webhook-signature");
  const sent = Number.parseInt(timestamp, 10);
  if (!Number.isFinite(sent) || Math.abs(now - sent) > TOLERANCE_SECONDS) {
    throw new WebhookVerificationError("timestamp too old or too new");
  }
  // the body exactly as received: a Buffer (express.raw) or the raw string
  const text = Buffer.isBuffer(body) ? body.toString("utf8") : String(body);
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const expected = createHmac("sha256", key).update(`${id}.${timestamp}.${text}`).digest();
  // "v1,<base64> v1,<base64>": during a secret rotation the server signs with both secrets
  const match = signatures.split(" ").some((entry) => {
    const [version, value] = entry.split(",", 2);
    if (version !== "v1" || !value) return false;
    const given = Buffer.from(value, "base64");
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!match) throw new WebhookVerificationError("no matching signature");
  const event = JSON.parse(text);
  if (event.id !== id) throw new WebhookVerificationError("the body's id differs from webhook-id");
  return event;
}

if (argv[1] && import.meta.url === pathToFileURL(argv[1]).href) {
  const captured = JSON.parse(readFileSync(argv[2] ?? 0, "utf8"));
  try {
    const event = verify(captured.body, captured.headers, env.WEBHOOK_SECRET ?? "");
    console.log(`verified ${event.type} ${event.id}`);
  } catch (error) {
    console.error(`not verified: ${error.message}`);
    exit(1);
  }
}
