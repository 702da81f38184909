#!/usr/bin/env bash
# report.html in a real browser (headless Chromium): every shipped scenario's report (run at a
# small size with --report), the shipped sweeps' (sweep --report), the shipped optimisation's and
# A/B test design's (shrunk, optimize --report, abtest --report) are drawn; every chart must
# have data-points (set by the page from Chart.js's own metadata) equal to data-expected (written
# by marketsim) and above 0, Chromium must log no console message at all (errors, CSP violations,
# blocked loads), and each page must stay under 2 MB. `marketsim report DIR` on a run directory
# must give the bytes --report gave.
# Usage: tests/report_browser.sh MARKETSIM SOURCE_DIR WORK_DIR
set -euo pipefail
bin=$1 src=$2 work=$3
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "report_browser: chromium is not installed (apt-get install chromium)" >&2; exit 1; }
python=/usr/bin/python3
rm -rf "$work"
mkdir -p "$work"
status=0

check_page() {  # check_page NAME HTML
  local name=$1 html=$2
  local size
  size=$(stat -c %s "$html")
  if [ "$size" -ge 2097152 ]; then echo "$name: report.html is $size bytes (limit 2 MB)"; status=1; fi
  # --virtual-time-budget lets the page finish its scripts before the DOM is dumped.
  "$browser" --headless --no-sandbox --disable-gpu --enable-logging=stderr --v=0 --virtual-time-budget=5000 \
    --user-data-dir="$work/profile" --dump-dom "file://$html" >"$html.dom" 2>"$html.log" || {
    echo "$name: chromium failed: $(tail -2 "$html.log")"; status=1; return; }
  if grep -q CONSOLE "$html.log"; then
    echo "$name: console output: $(grep CONSOLE "$html.log" | head -3)"
    status=1
  fi
  "$python" - "$name" "$html.dom" <<'PY' || status=1
import re, sys
name, dom = sys.argv[1], open(sys.argv[2], encoding="utf-8").read()
canvases = re.findall(r"<canvas\b[^>]*>", dom)
if not canvases:
    print(f"{name}: no chart"); sys.exit(1)
bad = 0
for c in canvases:
    expected = re.search(r'data-expected="(\d+)"', c)
    points = re.search(r'data-points="(\d+)"', c)
    ident = re.search(r'id="([^"]+)"', c).group(1)
    if not expected or not points:
        print(f"{name}: {ident}: not drawn (data-points missing)"); bad += 1
    elif int(expected.group(1)) <= 0 or expected.group(1) != points.group(1):
        print(f"{name}: {ident}: data-expected {expected.group(1)}, data-points {points.group(1)}"); bad += 1
print(f"{name}: {len(canvases)} charts drawn, {len(canvases) - bad} as expected")
sys.exit(1 if bad else 0)
PY
}

for sc in "$src"/scenarios/*.json; do
  case $sc in *-optimize.json|*-abtest.json) continue ;; esac  # optimisation and A/B test files
  name=$(basename "$sc" .json)
  args=(--quiet --report --threads 2 --out "$work/$name")
  segments=$("$python" -c 'import json,re,sys; t=open(sys.argv[1]).read(); t=re.sub(r"(?m)^\s*//.*$","",t); print(len(json.loads(t)["market"]["segments"]))' "$sc")
  for ((s = 0; s < segments; s++)); do args+=(--set "/market/segments/$s/consumers=2000"); done
  if grep -q '"uncertainty"' "$sc"; then
    args+=(--set /uncertainty/draws=2 --set /uncertainty/replications_per_draw=2)
  else
    args+=(--replications 2)
  fi
  "$bin" run "$sc" "${args[@]}" >/dev/null 2>"$work/$name.err" || { echo "$name: run failed: $(tail -1 "$work/$name.err")"; status=1; continue; }
  check_page "$name" "$work/$name/report.html"
done

# marketsim report DIR gives the page --report gave.
cp "$work/summer-sale/report.html" "$work/summer-sale.report.html"
"$bin" report "$work/summer-sale" >/dev/null
cmp "$work/summer-sale.report.html" "$work/summer-sale/report.html" || {
  echo "summer-sale: marketsim report DIR differs from run --report"; status=1; }

# The shipped sweep, with --report.
"$bin" sweep "$src/scenarios/sweeps/summer-sale-sweep.json" --threads 2 --quiet --report --out "$work/sweep" >/dev/null
check_page summer-sale-sweep "$work/sweep/report.html"
"$bin" sweep "$src/scenarios/sweeps/summer-sale-lhs.json" --threads 2 --quiet --report --out "$work/lhs" >/dev/null
check_page summer-sale-lhs "$work/lhs/report.html"

# The shipped optimisation, shrunk (2,000 shoppers, a short search), with --report.
"$python" - "$src/scenarios/summer-sale-optimize.json" "$work/optimize.json" <<'PY'
import json, re, sys
strip = lambda t: re.sub(r"(?m)^\s*//.*$", "", t)
opt = json.loads(strip(open(sys.argv[1]).read()))
base_path = sys.argv[1].rsplit("/", 1)[0] + "/" + opt["base"]
base = json.loads(strip(open(base_path).read()))
for s in base["market"]["segments"]:
    s["consumers"] = 2000
opt["base"] = base
opt["replications"] = 2
opt["reevaluation"] = {"replications": 2, "points": 4}
opt["algorithm"].update(population=8, generations=2)
json.dump(opt, open(sys.argv[2], "w"))
PY
"$bin" optimize "$work/optimize.json" --threads 2 --quiet --report --out "$work/optimize" >/dev/null
check_page summer-sale-optimize "$work/optimize/report.html"

# The shipped A/B test design, shrunk (2,000 shoppers, 10 tests), with --report.
"$python" - "$src/scenarios/flash-sale-abtest.json" "$work/abtest.json" <<'PY'
import json, re, sys
ab = json.loads(re.sub(r"(?m)^\s*//.*$", "", open(sys.argv[1]).read()))
for s in ab["base"]["market"]["segments"]:
    s["consumers"] = 2000
ab["tests"] = 10
json.dump(ab, open(sys.argv[2], "w"))
PY
"$bin" abtest "$work/abtest.json" --threads 2 --quiet --report --out "$work/abtest" >/dev/null
check_page flash-sale-abtest "$work/abtest/report.html"
exit $status
