// The open queue and the KPI dashboard learn that appeals changed without a websocket event per
// tick: every 3 s the page asks GET /api/queue/version (a plain request the server answers from a
// shared reading, without the tab's state) and compares the answer with the mark its view was read
// at (the data-version of #queue-version or #kpi-version). Only a difference, a failed last load
// ("stale") or a server that cannot answer (503: database or session store unreachable) sends the
// page's poll event, through its hidden button (#queue-poll, #kpi-poll), which reloads the view or
// shows the outage as before. A hidden tab does not ask.
(() => {
  const INTERVAL_MS = 3000;
  const PAGES = [["queue-version", "queue-poll"], ["kpi-version", "kpi-poll"]];
  const tick = async () => {
    if (document.hidden) {
      return; // a tab in the background (it asks again when shown)
    }
    for (const [markId, pollId] of PAGES) {
      const mark = document.getElementById(markId);
      const poll = document.getElementById(pollId);
      if (mark && poll) {
        await check(mark, poll);
      }
    }
  };
  const check = async (mark, poll) => {
    const seen = mark.dataset.version;
    if (!seen) {
      return; // the view is not loaded yet
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
