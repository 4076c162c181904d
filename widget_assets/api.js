// The HTTP client: one request path, the error envelope, timeouts, and token refresh.
//
// Help reads are public: they name the app with ?app_id= and carry no credential, so each is
// a "simple" CORS request (no preflight) that the browser may cache. Tickets carry the user's
// token (or a visitor token). On a 401 token_expired the client asks the host for a fresh
// token once (refresh URL or the function given to `identify`) and retries once.

/** An error with the envelope's fields; `transient` ones are worth sending again later. */
function failure(
  status,
  { code = `http_${status}`, message = "", details = {} } = {},
  retryAfter = 0,
) {
  return Object.assign(new Error(message), {
    status,
    code,
    details,
    retryAfter,
    transient:
      status === 0 || status >= 500 || status === 429 || code === "idempotency_key_in_flight",
  });
}

/**
 * The claims of a ut_/vt_ token, read (not verified: the server does that) to show who is
 * writing and to keep one person's queued tickets from another's. The payload is
 * itsdangerous's URL-safe base64 JSON, zlib-compressed when that is shorter ("." prefix).
 */
export async function claims(token) {
  try {
    const body = token.slice(3);
    const packed = body[0] === ".";
    let bytes = Uint8Array.from(
      atob(body.split(".")[packed ? 1 : 0].replace(/-/g, "+").replace(/_/g, "/")),
      (c) => c.charCodeAt(0),
    );
    if (packed)
      bytes = await new Response(
        new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate")),
      ).arrayBuffer();
    return JSON.parse(new TextDecoder().decode(bytes)) || {};
  } catch {
    return {};
  }
}

/** An idempotency key (any unique string will do; randomUUID needs a secure context). */
export const uuid = () =>
  crypto.randomUUID?.() ||
  Array.from(crypto.getRandomValues(new Uint32Array(4)), (n) => n.toString(36)).join("-");

/**
 * `session` holds the user token: {token, refresh(): Promise<string|null>}. `auth` per
 * request: "public" (help reads), "anon" (no credential, X-Support-App), "user" (the user
 * token), or a visitor token. `need("upload.js")` loads the uploader (main.js's loader).
 */
export function createApi({ server, appId, session, need }) {
  let refreshing = null;
  // GETs answered with an ETag, one per URL with the credential it was for: asked again with
  // If-None-Match, a 304 (nothing changed) returns the very object of last time, so polling
  // costs almost nothing.
  const tags = new Map();

  async function send(
    method,
    path,
    { query = {}, body, file, progress, key, auth = "public", signal },
  ) {
    const url = new URL(`/api/v1${path}`, server);
    for (const [name, value] of Object.entries(query))
      if (value || value === 0) url.searchParams.set(name, value);
    const headers = { Accept: "application/json" };
    const token = auth === "user" ? session.token : auth.startsWith("vt_") && auth;
    if (token) headers.Authorization = `Bearer ${token}`;
    else if (auth === "public") url.searchParams.set("app_id", appId);
    else headers["X-Support-App"] = appId;
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      headers["X-Support-Client"] = "widget";
    }
    if (key) headers["Idempotency-Key"] = key;
    if (file) {
      const sent = await need("upload.js").then(
        (m) => m.upload(url, headers, file, progress),
        () => ({ status: 0 }),
      );
      if (sent.status && sent.status < 300) return sent.data;
      throw failure(sent.status, sent.data?.error, sent.retryAfter);
    }
    const tagKey = `${method} ${url}`;
    let tagged = tags.get(tagKey);
    if (tagged?.[2] !== token) tagged = null; // another person's answer is never reused
    if (tagged) headers["If-None-Match"] = tagged[0];
    let response;
    try {
      response = await fetch(url, {
        method,
        headers,
        credentials: "omit",
        body: typeof body === "object" ? JSON.stringify(body) : body,
        signal: AbortSignal.any([AbortSignal.timeout(15000), ...(signal ? [signal] : [])]),
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw failure(0, { code: "network_error", message: String(error) });
    }
    if (response.status === 304 && tagged) return tagged[1];
    const data = await response.json().catch(() => null);
    const etag = response.headers.get("ETag");
    if (response.ok && etag && method === "GET") tags.set(tagKey, [etag, data, token]);
    if (response.ok) return data;
    throw failure(response.status, data?.error, Number(response.headers.get("Retry-After")) || 0);
  }

  async function request(method, path, options) {
    const before = session.token;
    try {
      return await send(method, path, options);
    } catch (error) {
      if (error.code !== "token_expired" || options.auth !== "user") throw error;
      // a request that was under way with it too may have brought a fresh one meanwhile
      if (session.token === before) {
        refreshing ||= session.refresh().finally(() => (refreshing = null));
        await refreshing;
      }
      if (!session.token || session.token === before) throw error;
      return send(method, path, options);
    }
  }

  return {
    get: (path, query, options) => request("GET", path, { ...options, query }),
    post: (path, body, options) => request("POST", path, { ...options, body }),
    /** One file to POST /uploads: {id, filename, size, …}; `progress(0…1)` as it goes. */
    upload: (file, options) => request("POST", "/uploads", { ...options, file }),
  };
}
