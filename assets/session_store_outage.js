// Shown when the server cannot reach its session store (Redis, shared by several workers): every
// event fails before it runs, so what the page shows is stale, or empty defaults that would read
// as an empty region. The cover hides it and says so in Russian; every 2 s it asks the server
// (/api/health) and, once the store answers, reconnects the live connection, which hydrates the
// page again (its data, the user, on_load) without reloading it. Called by the server through
// rx.call_script (states/errors.py) with the page's socket.
window.posSessionStoreDown = (socket) => {
  if (document.getElementById("session-store-outage")) {
    return;
  }
  const cover = document.createElement("div");
  cover.id = "session-store-outage";
  cover.className = "session-store-outage";
  cover.setAttribute("role", "alert");
  cover.innerHTML =
    '<div class="session-store-outage-box">' +
    "<h2>Нет связи с хранилищем сессий сервера</h2>" +
    "<p>Страница сейчас не может получить данные, поэтому они скрыты: показанные значения были бы " +
    "неверными. Действия не выполняются — повторите их, когда связь вернётся.</p>" +
    "<p>Проверяем связь каждые 2 секунды; страница обновится сама.</p>" +
    "</div>";
  document.body.appendChild(cover);
  const check = async () => {
    try {
      const response = await fetch("/api/health", { cache: "no-store" });
      if (response.ok) {
        cover.remove();
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
    window.setTimeout(check, 2000);
  };
  window.setTimeout(check, 2000);
};
