// The sandbox chat: pick a debtor, write as them, long-poll for what the bot sends.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const csrf = document.querySelector('meta[name="csrf-token"]');
  const headers = { "Content-Type": "application/json" };
  if (csrf) headers["X-CSRF-Token"] = csrf.content;
  let debtorId = null, lastId = 0, generation = 0;

  function bubble(m) {
    const li = document.createElement("li");
    li.className = "bubble " + (m.direction === "in" ? "in" : "out");
    li.dataset.id = m.id;
    const text = document.createElement("div");
    text.className = "text";
    text.textContent = m.text;
    li.appendChild(text);
    if (m.options && m.options.length) {
      const box = document.createElement("div");
      box.className = "options";
      for (const o of m.options) {
        const b = document.createElement("button");
        b.type = "button";
        b.textContent = o.title;
        b.addEventListener("click", () => send(o.title, o.id));
        box.appendChild(b);
      }
      li.appendChild(box);
    }
    const meta = document.createElement("div");
    meta.className = "meta";
    // The debtor's wall clock, as stored ("2026-11-24T10:00:00.1-05:00" -> "2026-11-24 10:00 -05:00").
    meta.textContent = `${m.at.slice(0, 10)} ${m.at.slice(11, 16)} ${m.at.slice(-6)} · ${m.status}`;
    li.appendChild(meta);
    return li;
  }

  function show(messages) {
    const list = $("messages");
    for (const m of messages) {
      if (m.id <= lastId) continue;
      list.appendChild(bubble(m));
      lastId = m.id;
    }
    list.scrollTop = list.scrollHeight;
  }

  async function poll(gen) {
    while (gen === generation) {
      try {
        const r = await fetch(`/sandbox/api/debtors/${encodeURIComponent(debtorId)}/messages?after=${lastId}&wait=15`);
        if (gen !== generation) return;
        if (r.ok) show((await r.json()).messages);
        else await new Promise((ok) => setTimeout(ok, 3000));
      } catch (e) {
        await new Promise((ok) => setTimeout(ok, 3000));
      }
    }
  }

  async function send(text, option) {
    if (!debtorId || !text.trim()) return;
    $("send").disabled = true;
    try {
      const body = { text, client_id: crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random() };
      if (option) body.option = option;
      const r = await fetch(`/sandbox/api/debtors/${encodeURIComponent(debtorId)}/messages`, {
        method: "POST", headers, body: JSON.stringify(body) });
      if (!r.ok) alert(await r.text());
      const fresh = await fetch(`/sandbox/api/debtors/${encodeURIComponent(debtorId)}/messages?after=${lastId}`);
      if (fresh.ok) show((await fresh.json()).messages);
    } finally {
      $("send").disabled = false;
      $("text").focus();
    }
  }

  function select(id, debtors) {
    debtorId = id || null;
    lastId = 0;
    generation += 1;
    $("messages").replaceChildren();
    const d = debtors.find((x) => x.debtor_id === id);
    $("debtor-info").textContent = d ? `${d.locale} · ${d.country} · ${d.channel} · owes ${d.balance || "nothing"}` : "";
    $("text").disabled = $("send").disabled = !debtorId;
    if (debtorId) {
      location.hash = "debtor=" + encodeURIComponent(debtorId);
      poll(generation);
    }
  }

  async function start() {
    const r = await fetch("/sandbox/api/debtors");
    const debtors = r.ok ? await r.json() : [];
    const sel = $("debtor");
    sel.replaceChildren(new Option("Choose a debtor…", ""));
    for (const d of debtors) sel.appendChild(new Option(`${d.name} (${d.debtor_id})`, d.debtor_id));
    sel.addEventListener("change", () => select(sel.value, debtors));
    const wanted = decodeURIComponent((location.hash.match(/debtor=([^&]+)/) || [])[1] || "");
    if (wanted && debtors.some((d) => d.debtor_id === wanted)) {
      sel.value = wanted;
      select(wanted, debtors);
    }
    $("composer").addEventListener("submit", (e) => {
      e.preventDefault();
      const t = $("text").value;
      $("text").value = "";
      send(t);
    });
    $("tick").addEventListener("click", async () => {
      const res = await fetch("/sandbox/api/tick", { method: "POST", headers });
      $("tick-result").textContent = res.ok ? (await res.json()).summary : await res.text();
    });
  }
  start();
})();
