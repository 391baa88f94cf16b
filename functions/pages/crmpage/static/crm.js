// The CRM page in CCAI Platform's portal: follows the adapters' events.
// Only messages from the tenant's origin are read; each is a JSON string.
(function () {
  'use strict';
  var meta = function (name) { return document.querySelector('meta[name="' + name + '"]').content; };
  var tenant = meta('crm-tenant-origin');
  var csrf = meta('crm-csrf');
  var eventsURL = meta('crm-events');
  var records = document.getElementById('records');
  var who = document.getElementById('who');
  var ignoredEl = document.getElementById('ignored');
  var ignored = 0;
  var frames = {}; // session key -> iframe showing its record

  function ignore() {
    ignored++;
    ignoredEl.textContent = String(ignored);
    ignoredEl.dataset.count = String(ignored);
  }

  // intoCRM: a URL of this CRM's own pages (an adapter cannot send the
  // agent anywhere else).
  function intoCRM(u) {
    try { return new URL(u, location.href).origin === location.origin; } catch (e) { return false; }
  }

  // show displays the record of session (a key, or the URL itself for a
  // pop without one), loading it only the first time.
  function show(recordURL, session) {
    var key = session || recordURL;
    var empty = records.querySelector('.empty');
    if (empty) { empty.remove(); }
    Object.keys(frames).forEach(function (k) { frames[k].hidden = (k !== key); });
    var f = frames[key];
    if (!f) {
      f = document.createElement('iframe');
      f.className = 'record';
      f.title = 'Record ' + key;
      f.dataset.session = key;
      f.src = recordURL;
      frames[key] = f;
      records.appendChild(f);
    } else if (f.src !== new URL(recordURL, location.href).href && !session) {
      f.src = recordURL;
    }
    f.hidden = false;
    records.dataset.shown = key;
  }

  function post(raw) {
    var body = new URLSearchParams({ csrf: csrf, event: raw });
    return fetch(eventsURL, { method: 'POST', body: body, credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.json() : {}; })
      .catch(function () { return {}; });
  }

  window.addEventListener('message', function (e) {
    if (e.origin !== tenant || typeof e.data !== 'string') { ignore(); return; }
    var ev;
    try { ev = JSON.parse(e.data); } catch (err) { ignore(); return; }
    if (!ev || typeof ev.type !== 'string') { ignore(); return; }
    var data = ev.data || {};
    if (ev.type === 'CRM_Record_Pop') {
      var popped = typeof data.recordUrl === 'string' && intoCRM(data.recordUrl);
      if (popped) { show(data.recordUrl, ''); }
      post(e.data).then(function (s) {
        if (popped && s.who) { who.textContent = s.who; }
      });
      return;
    }
    var session = data.chat_id != null ? 'chat:' + data.chat_id : (data.call_id != null ? 'call:' + data.call_id : '');
    if (ev.type === 'Active_Chat' && frames[session]) { show(frames[session].src, session); }
    post(e.data).then(function (s) {
      if (s.who) { who.textContent = s.who; }
      if (s.record_url && intoCRM(s.record_url) && (ev.type === 'New_Call' || ev.type === 'New_Chat' || ev.type === 'Active_Chat')) {
        show(s.record_url, s.session || session);
      }
    });
  });
}());
