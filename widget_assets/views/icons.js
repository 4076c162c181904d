// The icons of the views loaded on demand (dom.js has those opening the panel shows): loaded
// with the first of those views, and added to dom.js's by main.js.
export default {
  send: "M22 2 11 13M22 2l-7 20-4-9-9-4Z",
  check: "M20 6 9 17l-5-5",
  clock: "M12 7v5l3 2M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18Z",
  star: "M12 3l2.8 5.7 6.2.9-4.5 4.4 1 6.2-5.5-2.9-5.5 2.9 1-6.2L3 9.6l6.2-.9Z",
  clip: "m20 11-8 8a5 5 0 0 1-7-7l8.5-8.5a3.5 3.5 0 0 1 5 5L10 17a2 2 0 0 1-3-3l7.5-7.5",
};
