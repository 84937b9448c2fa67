#!/usr/bin/env bash
# Per-request cost of the server's authenticated endpoints, side by side in the same run with a bare ASP.NET Core
# baseline and the bare MCP SDK stateless server serving the same tool list (see docs/benchmarks.md, "Per-request cost
# of authenticated endpoints").
#
#   bench/run.sh                       # publishes both apps (Release), then measures
#   SERVER_DIR=/path/to/publish bench/run.sh   # measures an already published server (e.g. an older commit)
#
# Settings (environment): DURATION (seconds per measurement, default 5), REPEAT (rounds, default 3; the table shows
# medians), CONNECTIONS (wrk connections, default 64), TASK_DURATION (seconds of start_agent_task load, default 2),
# WARMUP (seconds of the same load before each measurement, default 10; 1 for start_agent_task; then 5 s rounds of it
# while a round's requests per second still rise by more than 5%, at most WARMUP_ROUNDS, default 8),
# SCENARIOS (space-separated subset of the names below), PORT / BASELINE_PORT / BARE_SDK_PORT (default 5391 / 5392 / 5393).
#
# All three servers are pinned to CPU 0 (taskset), wrk to CPU 1; everything listens on 127.0.0.1 only and stops at the end.
# Server CPU per request = (utime + stime of the server process from /proc/<pid>/stat during the measurement) / requests.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
duration="${DURATION:-5}"
repeat="${REPEAT:-3}"
connections="${CONNECTIONS:-64}"
task_duration="${TASK_DURATION:-2}"
warmup="${WARMUP:-10}"
warmup_rounds="${WARMUP_ROUNDS:-8}"
port="${PORT:-5391}"
baseline_port="${BASELINE_PORT:-5392}"
bare_sdk_port="${BARE_SDK_PORT:-5393}"
scenarios="${SCENARIOS:-baseline-tools-list baseline-healthz baresdk-tools-list baresdk-tools-call mcp-tools-list mcp-tools-call mcp-tools-call-noquery healthz readyz v1-usage start-agent-task}"
out="${OUT:-$here/out}"

for tool in wrk taskset curl jq dotnet; do
  command -v "$tool" >/dev/null || { echo "bench/run.sh needs $tool (apt-get install wrk jq curl util-linux)" >&2; exit 2; }
done
[ "$(nproc)" -ge 2 ] || { echo "bench/run.sh needs 2 CPUs (server on one, load on the other)" >&2; exit 2; }

mkdir -p "$out"
server_dir="${SERVER_DIR:-$out/server}"
if [ -z "${SERVER_DIR:-}" ]; then
  dotnet publish "$root/src/SubAgentServer" -c Release -p:SkipChatPageBuild=true -o "$server_dir" --nologo -v quiet >/dev/null
fi
dotnet publish "$here/Baseline" -c Release -o "$out/baseline" --nologo -v quiet >/dev/null
dotnet publish "$here/BareSdk" -c Release -o "$out/baresdk" --nologo -v quiet >/dev/null

data="$(mktemp -d /tmp/mcpsubagent-bench-XXXXXX)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT

export ConnectionStrings__Default="Data Source=$data/app.db"
export Logging__LogLevel__Default=Warning
export ASPNETCORE_ENVIRONMENT=Production
# Tasks fail fast against a closed loopback port: the benchmark measures accepting them, not running them.
export OPENAI_BASE_URL="http://127.0.0.1:9/v1"

server_dll="$(ls "$server_dir"/McpSubAgent.SubAgentServer.dll)"
credentials="$(dotnet "$server_dll" clients add bench)"
client_id="$(sed -n 's/^client_id: //p' <<<"$credentials")"
client_secret="$(sed -n 's/^client_secret: //p' <<<"$credentials")"

wait_for() {
  for _ in $(seq 1 600); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.2
  done
  echo "$1 did not answer within 120 s; server log:" >&2
  tail -n 40 "$data/server.log" "$data/baseline.log" "$data/baresdk.log" 2>/dev/null >&2
  exit 1
}

ASPNETCORE_URLS="http://127.0.0.1:$port" taskset -c 0 dotnet "$server_dll" >"$data/server.log" 2>&1 &
server_pid=$!
pids+=("$server_pid")
ASPNETCORE_URLS="http://127.0.0.1:$baseline_port" taskset -c 0 dotnet "$out/baseline/McpSubAgent.Bench.Baseline.dll" >"$data/baseline.log" 2>&1 &
baseline_pid=$!
pids+=("$baseline_pid")
wait_for "http://127.0.0.1:$port/healthz"
wait_for "http://127.0.0.1:$baseline_port/healthz"

token="$(curl -fsS -u "$client_id:$client_secret" -d grant_type=client_credentials -d scope=mcp \
  "http://127.0.0.1:$port/connect/token" | jq -r .access_token)"

list_body='{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}'

# The bare MCP SDK server serves the server's own tool list (fetched here), so the two answer the same bytes.
curl -fsS -X POST -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
  -H "Authorization: Bearer $token" -d "$list_body" "http://127.0.0.1:$port/mcp" | sed -n 's/^data: //p' | jq -c .result >"$data/tools.json"
BENCH_TOOLS="$data/tools.json" ASPNETCORE_URLS="http://127.0.0.1:$bare_sdk_port" taskset -c 0 \
  dotnet "$out/baresdk/McpSubAgent.Bench.BareSdk.dll" >"$data/baresdk.log" 2>&1 &
bare_sdk_pid=$!
pids+=("$bare_sdk_pid")
wait_for "http://127.0.0.1:$bare_sdk_port/healthz"
call_body='{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_agent_tasks","arguments":{"limit":1}}}'
start_body='{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"start_agent_task","arguments":{"prompt":"Say hi.","store":false}}}'
# The same tool answering at once, before any query: limit 0 is refused by the tool itself (an isError result). The
# difference to mcp-tools-call is the tool's own work (its query); this one is the cost of a tools/call around a tool.
noquery_body='{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_agent_tasks","arguments":{"limit":0}}}'

# scenario -> "pid|method|url|body|token|seconds"
spec() {
  case "$1" in
    baseline-tools-list) echo "$baseline_pid|POST|http://127.0.0.1:$baseline_port/mcp|$list_body||$duration" ;;
    baseline-healthz) echo "$baseline_pid|GET|http://127.0.0.1:$baseline_port/healthz|||$duration" ;;
    baresdk-tools-list) echo "$bare_sdk_pid|POST|http://127.0.0.1:$bare_sdk_port/mcp|$list_body||$duration" ;;
    baresdk-tools-call) echo "$bare_sdk_pid|POST|http://127.0.0.1:$bare_sdk_port/mcp|$call_body||$duration" ;;
    mcp-tools-list) echo "$server_pid|POST|http://127.0.0.1:$port/mcp|$list_body|$token|$duration" ;;
    mcp-tools-call) echo "$server_pid|POST|http://127.0.0.1:$port/mcp|$call_body|$token|$duration" ;;
    mcp-tools-call-noquery) echo "$server_pid|POST|http://127.0.0.1:$port/mcp|$noquery_body|$token|$duration" ;;
    healthz) echo "$server_pid|GET|http://127.0.0.1:$port/healthz|||$duration" ;;
    readyz) echo "$server_pid|GET|http://127.0.0.1:$port/healthz/ready|||$duration" ;;
    v1-usage) echo "$server_pid|GET|http://127.0.0.1:$port/v1/usage||$token|$duration" ;;
    start-agent-task) echo "$server_pid|POST|http://127.0.0.1:$port/mcp|$start_body|$token|$task_duration" ;;
    *) echo "unknown scenario $1" >&2; exit 2 ;;
  esac
}

ticks() { awk '{ print $14 + $15 }' <(sed 's/^.*) //; s/^/x x /' "/proc/$1/stat"); }
clk_tck="$(getconf CLK_TCK)"

# One wrk run: prints "requests req/s cpu_us_per_request p50_ms non2xx".
measure() {
  local pid="$1" method="$2" url="$3" body="$4" tok="$5" seconds="$6" before after output requests rps p50 errors
  before="$(ticks "$pid")"
  output="$(BENCH_METHOD="$method" BENCH_BODY="$body" BENCH_TOKEN="$tok" \
    taskset -c 1 wrk -t1 -c"$connections" -d"${seconds}s" --timeout 10s --latency -s "$here/request.lua" "$url")"
  after="$(ticks "$pid")"
  requests="$(awk '/requests in/ { print $1 }' <<<"$output")"
  rps="$(awk '/Requests\/sec/ { print $2 }' <<<"$output")"
  p50="$(awk '$1 == "50%" { v = $2; if (v ~ /us$/) { sub(/us/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms/, "", v) } else if (v ~ /s$/) { sub(/s/, "", v); v *= 1000 } print v }' <<<"$output")"
  errors="$(awk '/Non-2xx/ { print $5 }' <<<"$output")"
  awk -v r="$requests" -v s="$rps" -v t=$((after - before)) -v hz="$clk_tck" -v p="$p50" -v e="${errors:-0}" \
    'BEGIN { printf "%d %.0f %.1f %s %d\n", r, s, (r > 0 ? t / hz * 1e6 / r : 0), p, e }'
}

# Load until the server is warm: the runtime optimizes hot code in the background, so requests per second rise for a
# while under load (for how long depends on the runtime's settings; docs/benchmarks.md, "Eighth round"). Prints the
# number of 5 s rounds after the first WARMUP seconds.
warm_up() {
  local pid="$1" method="$2" url="$3" body="$4" tok="$5" previous current rounds=0
  previous="$(measure "$pid" "$method" "$url" "$body" "$tok" "$warmup" | cut -d' ' -f2)"
  while [ "$rounds" -lt "$warmup_rounds" ]; do
    current="$(measure "$pid" "$method" "$url" "$body" "$tok" 5 | cut -d' ' -f2)"
    rounds=$((rounds + 1))
    awk -v c="$current" -v p="$previous" 'BEGIN { exit !(c > p * 1.05) }' || break
    previous="$current"
  done
  echo "$rounds"
}

results="$data/results.txt"
: >"$results"
for round in $(seq 1 "$repeat"); do
  for scenario in $scenarios; do
    IFS='|' read -r pid method url body tok seconds <<<"$(spec "$scenario")"
    status="$(curl -s -o /dev/null -w '%{http_code}' -X "$method" -H 'Content-Type: application/json' \
      -H 'Accept: application/json, text/event-stream' ${tok:+-H "Authorization: Bearer $tok"} ${body:+-d "$body"} "$url")"
    if [ "$status" != 200 ]; then
      echo "round $round $scenario: HTTP $status, skipped" >&2
      continue
    fi
    if [ "$scenario" = start-agent-task ]; then
      # Every request starts a task: one second, not rounds, so that the database stays the same size run to run.
      measure "$pid" "$method" "$url" "$body" "$tok" 1 >/dev/null
      warmed="1 s"
    else
      warmed="$warmup s + $(warm_up "$pid" "$method" "$url" "$body" "$tok") × 5 s"
    fi
    line="$(measure "$pid" "$method" "$url" "$body" "$tok" "$seconds")"
    echo "round $round $scenario (warm-up $warmed): requests req/s cpu_us/req p50_ms non-2xx = $line" >&2
    echo "$scenario $line" >>"$results"
  done
done

baseline_rps="$(awk '$1 == "baseline-tools-list" { print $3 }' "$results" | sort -n | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)]; else print 0 }')"
echo
echo "Medians of $repeat rounds, $connections connections, server on CPU 0, wrk on CPU 1 ($(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)):"
echo
echo "| scenario | req/s | × baseline tools/list | server CPU µs/request | p50 latency (ms) | non-2xx |"
echo "|---|---|---|---|---|---|"
for scenario in $scenarios; do
  awk -v s="$scenario" -v base="$baseline_rps" '
    $1 == s { n++; rps[n] = $3; cpu[n] = $4; p50[n] = $5; err += $6 }
    function median(a, n,   i, j, t) {
      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
      return a[int((n + 1) / 2)]
    }
    END {
      if (n == 0) { printf "| %s | – | – | – | – | – |\n", s; exit }
      r = median(rps, n); printf "| %s | %.0f | %.3f | %.0f | %.2f | %d |\n", s, r, (base > 0 ? r / base : 0), median(cpu, n), median(p50, n), err
    }' "$results"
done
