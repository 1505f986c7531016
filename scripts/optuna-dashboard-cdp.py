"""Load an optuna-dashboard page in a headless Chromium started with
--remote-debugging-port and report, every 2 s, how many Plotly plots and
plotted points the page has, the console errors, and a screenshot at the end.

Usage: python optuna-dashboard-cdp.py DEVTOOLS_PORT URL SCREENSHOT.png MAX_SECONDS
Needs websocket-client (scripts/optuna-dashboard-check.sh installs it in its
scratch venv). Written for scripts/optuna-dashboard-check.sh; see
docs/benchmarks.md, "optuna-dashboard on our ledger".
"""
import base64, json, sys, time, urllib.request
import websocket

port, url, shot, limit = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
for _ in range(60):
    try:
        tabs = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json"))
        break
    except OSError:
        time.sleep(0.5)
else:
    sys.exit(f"no Chromium DevTools on port {port}")
page = next(t for t in tabs if t["type"] == "page")
ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=600)
ids = iter(range(1, 10**9))
errors = []

def call(method, **params):
    i = next(ids)
    ws.send(json.dumps({"id": i, "method": method, "params": params}))
    while True:
        m = json.loads(ws.recv())
        if m.get("method") == "Runtime.consoleAPICalled" and m["params"]["type"] in ("error", "warning"):
            errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in m["params"]["args"])[:300])
        elif m.get("method") == "Runtime.exceptionThrown":
            errors.append(m["params"]["exceptionDetails"].get("exception", {}).get("description", "exception")[:300])
        elif m.get("method") == "Log.entryAdded" and m["params"]["entry"]["level"] == "error":
            errors.append(m["params"]["entry"]["text"][:300])
        if m.get("id") == i:
            return m.get("result", {})

PROBE = """JSON.stringify({plots: document.querySelectorAll('.js-plotly-plot').length,
 points: document.querySelectorAll('.js-plotly-plot .point').length,
 text: document.body ? document.body.innerText.slice(0, 200).replace(/\\n/g, ' | ') : ''})"""
call("Runtime.enable"); call("Log.enable"); call("Page.enable")
t0 = time.time()
call("Page.navigate", url=url)
first = None
while time.time() - t0 < limit:
    time.sleep(2)
    r = call("Runtime.evaluate", expression=PROBE, returnByValue=True, timeout=60000)
    st = json.loads(r.get("result", {}).get("value", "{}") or "{}")
    el = time.time() - t0
    print(f"t={el:6.1f}s plots={st.get('plots')} points={st.get('points')} text={st.get('text', '')[:120]!r}", flush=True)
    if first is None and (st.get("points") or 0) > 0:
        first = el
        print(f"FIRST_POINTS_AT {el:.1f}s", flush=True)
        deadline = el + 10
    if first is not None and el >= deadline:
        break
r = call("Page.captureScreenshot", format="png")
open(shot, "wb").write(base64.b64decode(r["data"]))
print("CONSOLE_ERRORS", len(errors))
for e in errors[:20]:
    print("  ", e)
print("RESULT first_points_s=%s" % (f"{first:.1f}" if first is not None else "none"))
