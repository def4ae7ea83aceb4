// What a page does when the server lost its database or its session store (Redis, shared by
// several workers). Called by the server through rx.call_script (states/errors.py) with the page's
// live connection. Every 2 s the page asks the server (/api/health); once both answer, the notice
// goes and the page reconnects its websocket, which hydrates it again (the user, the data, the
// page's on_load) without reloading it: what the user typed into the page stays.
//
// - session store: every event fails before it runs, so what the page shows is stale, or empty
//   defaults that would read as an empty region. A cover hides it and takes the clicks.
// - database: the page's data is still what it was; a banner says that loading and actions do not
//   happen now (the toast beside it says the last one did not happen).
const POS_OUTAGE_TEXT = {
  session_store:
    "<h2>Нет связи с хранилищем сессий сервера</h2>" +
    "<p>Страница сейчас не может получить данные, поэтому они скрыты: показанные значения были бы " +
    "неверными. Действия не выполняются — повторите их, когда связь вернётся.</p>" +
    "<p>Проверяем связь каждые 2 секунды; страница обновится сама.</p>",
  database:
    "<strong>Нет связи с базой данных, повторяем…</strong> Данные на странице могут быть устаревшими, " +
    "действия сейчас не выполняются. Страница обновится сама, когда связь вернётся.",
};

window.posOutage = (kind, socket) => {
  if (!(kind in POS_OUTAGE_TEXT)) {
    return;
  }
  if (!document.getElementById("outage-" + kind)) {
    const notice = document.createElement("div");
    notice.id = "outage-" + kind;
    notice.className = "outage-notice outage-" + kind.replace("_", "-");
    notice.setAttribute("role", "alert");
    const box = document.createElement("div");
    box.className = "outage-box";
    box.innerHTML = POS_OUTAGE_TEXT[kind];
    notice.appendChild(box);
    document.body.appendChild(notice);
  }
  if (window.__posOutageCheck) {
    return; // one check for every notice on the page
  }
  const check = async () => {
    try {
      const response = await fetch("/api/health", { cache: "no-store" });
      if (response.ok) {
        window.__posOutageCheck = undefined;
        document.querySelectorAll(".outage-notice").forEach((notice) => notice.remove());
        if (socket && typeof socket.reconnect === "function") {
          socket.disconnect();
          socket.reconnect();
        } else {
          window.location.reload();
        }
        return;
      }
    } catch (error) {
      // the server itself is unreachable: the connection banner says so; keep checking
    }
    window.__posOutageCheck = window.setTimeout(check, 2000);
  };
  window.__posOutageCheck = window.setTimeout(check, 2000);
};
