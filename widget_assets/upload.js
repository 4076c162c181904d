// Sending one file with its progress, for api.js (which maps the answer to its errors): loaded
// with the first upload (main.js's `need`). XMLHttpRequest, not fetch: only it tells how much
// has been sent.

/** Resolves to {status, data, retryAfter}; status 0 when the server could not be reached. */
export const upload = (url, headers, file, progress) =>
  new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.timeout = 300000;
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (e) => e.lengthComputable && progress?.(e.loaded / e.total);
    xhr.onload = () => {
      let data = null;
      try {
        data = JSON.parse(xhr.responseText);
      } catch {
        // not JSON: a proxy's error page, say
      }
      resolve({
        status: xhr.status,
        data,
        retryAfter: Number(xhr.getResponseHeader("Retry-After")),
      });
    };
    xhr.onerror = xhr.ontimeout = () => resolve({ status: 0, data: null, retryAfter: 0 });
    const form = new FormData();
    form.set("file", file, file.name);
    xhr.send(form);
  });
