#!/usr/bin/env bash
# bench/wrk/deliveries.sh HERALD_DLL [LABEL] [SECONDS]: a fresh `herald serve` (Release build) over a new data directory, then
# GET /healthz and POST /api/v1/deliveries with wrk (apt-get install wrk) at 32 and 128 connections, each beside the
# server's CPU time per request (utime + stime from /proc, 100 ticks a second). wrk costs far less CPU per request than
# the bench's HttpClient, which shares the same cores.
#   dotnet build -c Release src/Herald && bench/wrk/deliveries.sh src/Herald/bin/Release/net10.0/herald.dll
set -euo pipefail
DLL=$1; LABEL=${2:-run}; SECS=${3:-15}
LUA=$(cd "$(dirname "$0")" && pwd)/deliveries-create.lua
DIR=/tmp/herald-wrk-deliveries-$LABEL; rm -rf "$DIR"
PORT=$((20000 + RANDOM % 20000))
URL=http://127.0.0.1:$PORT
HERALD_DATA_DIR=$DIR HERALD_ADMIN_KEY=hk_bench_admin Logging__LogLevel__Default=Warning dotnet "$DLL" serve --urls $URL >"$DIR.log" 2>&1 &
SPID=$!
trap 'kill $SPID 2>/dev/null; wait $SPID 2>/dev/null || true; rm -rf "$DIR"' EXIT
for i in $(seq 1 150); do curl -sf $URL/healthz >/dev/null && break; sleep 0.2; done
A="X-API-Key: hk_bench_admin"; J="Content-Type: application/json"
TEAM=$(curl -sf -H "$A" -H "$J" -d '{"name":"bench"}' $URL/api/v1/teams | python3 -c 'import sys,json;print(json.load(sys.stdin)["data"]["id"])')
KEY=$(curl -sf -H "$A" -H "$J" -d "{\"team_id\":\"$TEAM\",\"name\":\"bench\",\"scopes\":[\"deliveries:write\",\"deliveries:read\"]}" $URL/api/v1/keys | python3 -c 'import sys,json;print(json.load(sys.stdin)["data"]["key"])')
CUSTOMERS=""
for i in $(seq 0 19); do
  C=$(curl -sf -H "X-API-Key: $KEY" -H "$J" -d "{\"name\":\"C$i\",\"phone\":\"+1646300$(printf %04d $i)\"}" $URL/api/v1/customers | python3 -c 'import sys,json;print(json.load(sys.stdin)["data"]["id"])')
  CUSTOMERS="$CUSTOMERS$C,"
done
export KEY CUSTOMERS SCHEDULED=$(date -u -d '+2 hours' +%Y-%m-%dT%H:%M:%SZ)
cpu() { awk '{print $14 + $15}' /proc/$SPID/stat; }
run() { # name connections wrk-args...
  local name=$1 c=$2; shift 2
  local before=$(cpu)
  local out=$(wrk -t2 -c$c -d${SECS}s "$@" 2>&1)
  local after=$(cpu)
  local reqs=$(echo "$out" | awk '/requests in/ {print $1}')
  local rate=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  local bad=$(echo "$out" | awk '/Non-2xx/ {print $5}')
  local ms=$(python3 -c "print(round(($after-$before)*10/$reqs, 3))")
  echo "$LABEL c=$c $name: $rate/s, $reqs requests, ${bad:-0} non-2xx, server CPU ${ms} ms/request, load $(cut -d' ' -f1-3 /proc/loadavg)"
}
wrk -t2 -c32 -d3s $URL/healthz >/dev/null
wrk -t2 -c32 -d3s -s "$LUA" $URL >/dev/null
for c in 32 128; do
  run healthz $c $URL/healthz
  run create $c -s "$LUA" $URL
done
