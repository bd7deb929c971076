#!/usr/bin/env bash
# Rebuilds next to a live API, with processes killed at random: the races and restarts of the rebuild protocol
# (docs/projection-runtime.md "Rebuild protocol"), tried from outside with the built dist/ and real processes.
#
#   tools/rebuild-chaos.sh <scenario> [rounds]      (after `node tools/build.js apps libs projections`)
#
# Scenarios, each round beside one API process that keeps capturing complaints (every 20 ms):
#   handover   crm-cli rebuild $CHAOS_TARGET runs to the end (the API adopts and switches)
#   kill-cli   crm-cli rebuild is SIGKILLed after 0.3-3 s, then run again to the end
#   kill-api   the API is SIGKILLed 1-4 s into crm-cli rebuild and started again; the CLI must finish
#   two-cli    two crm-cli rebuild at once; both must finish
# Every CLI run has CHAOS_TIMEOUT seconds (default 120): a hang fails the round, with the leases and build states.
# At the end the complaint KPIs, read at the log's head, must count every ComplaintReceived event in the log.
#
# Environment: CHAOS_STORE sqlite (default; a demo history seeded once into <tmp>/crm-chaos-seed, copied per run)
# or postgres (CRM_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/test; schema crm_chaos, seeded afresh);
# CHAOS_EVENTS (default 20000); CHAOS_TARGET (default all); CHAOS_PORT (default 3470). Leases last 1 s
# (CRM_LEASE_TTL_MS=1000), so lapses and takeovers happen within a round.
set -uo pipefail
cd "$(dirname "$0")/.."
SCENARIO=${1:?usage: tools/rebuild-chaos.sh handover|kill-cli|kill-api|two-cli [rounds]}
ROUNDS=${2:-6}
STORE=${CHAOS_STORE:-sqlite}
EVENTS=${CHAOS_EVENTS:-20000}
TARGET=${CHAOS_TARGET:-all}
PORT=${CHAOS_PORT:-3470}
TIMEOUT=${CHAOS_TIMEOUT:-120}
TMP=${TMPDIR:-/tmp}
LOGS=$(mktemp -d "$TMP/crm-chaos-logs-XXXXXX")
export CRM_LEASE_TTL_MS=1000 CRM_REBUILD_GRACE_MS=1500 CRM_LOG=warn
CLI=(node dist/apps/crm-cli/src/main.js)

if [ "$STORE" = postgres ]; then
  export CRM_EVENT_STORE=postgres CRM_SERVER_SECRET=${CRM_SERVER_SECRET:-crm-chaos} CRM_POSTGRES_URL=${CRM_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
  export CRM_POSTGRES_SCHEMA=crm_chaos CRM_DATA_DIR="$TMP/crm-chaos-pg"
  rm -rf "$CRM_DATA_DIR"
  psql "$CRM_POSTGRES_URL" -qc "DROP SCHEMA IF EXISTS crm_chaos CASCADE" || exit 1
  "${CLI[@]}" seed --events "$EVENTS" >"$LOGS/seed.log" 2>&1 || { cat "$LOGS/seed.log"; exit 1; }
  received() { psql "$CRM_POSTGRES_URL" -Atc "SELECT count(*) FROM crm_chaos.events WHERE type = 'ComplaintReceived'"; }
else
  export CRM_EVENT_STORE=sqlite CRM_DATA_DIR="$TMP/crm-chaos-sqlite"
  SEED="$TMP/crm-chaos-seed-$EVENTS"
  if [ ! -f "$SEED/crm.sqlite" ]; then
    CRM_DATA_DIR="$SEED" "${CLI[@]}" seed --events "$EVENTS" >"$LOGS/seed.log" 2>&1 || { cat "$LOGS/seed.log"; exit 1; }
  fi
  rm -rf "$CRM_DATA_DIR" && cp -r "$SEED" "$CRM_DATA_DIR"
  received() {
    node -e "const db = new (require('better-sqlite3'))(process.argv[1], { readonly: true });
      console.log(db.prepare(\"SELECT count(*) AS n FROM events WHERE type = 'ComplaintReceived'\").get().n)" "$CRM_DATA_DIR/crm.sqlite"
  }
fi

API=
start_api() {
  PORT=$PORT node dist/apps/crm-api/src/main.js >>"$LOGS/api.log" 2>&1 &
  API=$!
  for _ in $(seq 1 240); do curl -sf "localhost:$PORT/health/ready" >/dev/null && return 0; sleep 0.5; done
  echo "the API did not get ready"; tail -5 "$LOGS/api.log"; return 1
}
key() { cat "$CRM_DATA_DIR/bootstrap-admin.key"; }
get() { curl -s -H "authorization: Bearer $(key)" "localhost:$PORT$1"; }
cli() { timeout "$TIMEOUT" "${CLI[@]}" rebuild "$TARGET" >"$LOGS/cli-$1.log" 2>&1; }
# What a hang leaves: the rebuild leases and build states, as the store holds them.
show_state() {
  node -e "
    (async () => {
      const store = process.env.CRM_EVENT_STORE === 'postgres'
        ? await require('./dist/libs/read-store/postgres/src').PostgresReadStore.open(process.env.CRM_POSTGRES_URL, { schema: process.env.CRM_POSTGRES_SCHEMA })
        : require('./dist/libs/read-store/sqlite/src').openSqliteReadStore({ file: process.env.CRM_DATA_DIR + '/read-models.sqlite' });
      for (const lease of await store.listLeases()) if (lease.name.endsWith('~rebuild')) console.log('lease', JSON.stringify(lease));
      for (const state of await store.listStates()) if (state.name.endsWith('~rebuild')) console.log('build', JSON.stringify(state));
      await store.close();
    })();" 2>&1 | head -40
}
stop_all() {
  [ -n "${WRITER:-}" ] && kill "$WRITER" 2>/dev/null
  [ -n "$API" ] && kill "$API" 2>/dev/null && wait "$API" 2>/dev/null
}
trap stop_all EXIT

: >"$LOGS/api.log"
start_api || exit 1
(
  while true; do
    curl -s -o /dev/null -X POST "localhost:$PORT/api/v1/complaints" -H "authorization: Bearer $(key)" \
      -H 'content-type: application/json' -H "idempotency-key: chaos-$RANDOM-$RANDOM-$RANDOM" \
      -d '{"complainant":{"name":"مریم احمدی","phone":"09121112233"},"channel":"phone","category":"delivery","description":"سفارش با تأخیر رسید"}'
    sleep 0.02
  done
) &
WRITER=$!

passed=0
for round in $(seq 1 "$ROUNDS"); do
  started=$(date +%s.%N)
  ok=1
  case "$SCENARIO" in
    handover) cli 1 || ok=0 ;;
    kill-cli)
      "${CLI[@]}" rebuild "$TARGET" >"$LOGS/cli-killed.log" 2>&1 &
      killed=$!
      sleep "$(awk -v r=$RANDOM 'BEGIN { print 0.3 + r / 12000 }')"
      kill -9 "$killed" 2>/dev/null; wait "$killed" 2>/dev/null
      cli 1 || ok=0 ;;
    kill-api)
      cli 1 & builder=$!
      sleep "$(awk -v r=$RANDOM 'BEGIN { print 1 + r / 11000 }')"
      kill -9 "$API"; wait "$API" 2>/dev/null
      start_api || exit 1
      wait "$builder" || ok=0 ;;
    two-cli)
      cli 1 & first=$!
      sleep "$(awk -v r=$RANDOM 'BEGIN { print r / 32768 }')"
      cli 2 & second=$!
      wait "$first" || ok=0
      wait "$second" || ok=0 ;;
    *) echo "unknown scenario $SCENARIO"; exit 2 ;;
  esac
  took=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  if [ $ok = 1 ]; then
    passed=$((passed + 1)); echo "round $round: ok in ${took} s"
  else
    echo "round $round: FAILED after ${took} s"; tail -n 4 "$LOGS"/cli-*.log; show_state; break
  fi
done

kill "$WRITER" 2>/dev/null; WRITER=
sleep 0.5
head=$(get /health | grep -o '"headPosition":"[^"]*"' | head -1 | cut -d'"' -f4)
counted=$(get "/api/v1/views/complaints/kpis?minPosition=$(node -p 'encodeURIComponent(process.argv[1])' "$head")" | grep -o '"complaints":[0-9]*' | head -1 | cut -d: -f2)
logged=$(received)
echo "complaint KPIs at the head ($head): ${counted:-no answer}; ComplaintReceived events in the log: $logged"
echo "$SCENARIO on $STORE: $passed of $ROUNDS rounds passed (logs in $LOGS)"
[ "$passed" = "$ROUNDS" ] && [ "${counted:-x}" = "$logged" ]
