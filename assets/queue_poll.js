// The open queue learns that appeals changed without a websocket event per tick: every 3 s it asks
// GET /api/queue/version (a plain request the server answers from a shared reading, without the
// tab's state) and compares the answer with the mark its rows were read at (#queue-version's
// data-version). Only a difference, a failed last load ("stale") or a server that cannot answer
// (503: database or session store unreachable) sends the page's poll event, through the hidden
// #queue-poll button, which reloads the rows or shows the outage as before. A hidden tab does not ask.
(() => {
  const INTERVAL_MS = 3000;
  const tick = async () => {
    const mark = document.getElementById("queue-version");
    const poll = document.getElementById("queue-poll");
    if (!mark || !poll || document.hidden) {
      return; // another page, or a tab in the background (it asks again when shown)
    }
    const seen = mark.dataset.version;
    if (!seen) {
      return; // the rows are not loaded yet
    }
    if (seen !== "stale") {
      let response;
      try {
        response = await fetch("/api/queue/version", {
          cache: "no-store",
          headers: { "X-Pos-Token": window.localStorage.getItem("pos_token") || "" },
        });
      } catch (error) {
        return; // the server is unreachable: the connection banner says so
      }
      if (response.status === 403) {
        return; // no staff session (logged out in another tab): the page's own checks handle it
      }
      if (response.ok && (await response.text()) === seen) {
        return;
      }
    }
    poll.click();
  };
  window.setInterval(tick, INTERVAL_MS);
})();
