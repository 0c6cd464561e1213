#!/usr/bin/env bash
# SQL injection scan of every route that takes input, with sqlmap, against a throwaway database.
#
#   tests/security/sqlmap.sh            # needs sqlmap, psql, curl, python3, node; PostgreSQL at 127.0.0.1:5432
#
# It creates a fresh PostgreSQL database, starts Hubbub on a free port against it, signs up a user,
# takes an API token pair, posts a few messages, then runs sqlmap once per target (batch mode,
# --level=3 --risk=2, every technique: boolean, error, union, stacked, time-based) and prints, per
# target, sqlmap's verdict lines and the HTTP status codes it got. The event stream (it never ends)
# is probed with curl instead of sqlmap.
#
# Exit status: 0 when no parameter is reported injectable and the server never answered 5xx; 1
# otherwise (the offending requests are printed); 2 when the setup failed. Whatever happens, the
# server is stopped and the database dropped. Set KEEP_OUTPUT=1 to keep sqlmap's logs and HTTP
# traffic files (they are kept anyway when the scan fails).
#
# Environment: PGHOST (127.0.0.1), PGPORT (5432), PGUSER (postgres), SQLMAP (sqlmap),
# SQLMAP_TARGETS (space-separated target names to run a subset; default all).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
PGUSER=${PGUSER:-postgres}
SQLMAP=${SQLMAP:-sqlmap}
DB="hubbub_sqlmap_$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/hubbub-sqlmap.XXXXXX")
SERVER_PID=
SCAN_PID=
DB_CREATED=
FAILED=0
STARTED_AT=$(date +%s)

psql_admin() { psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres -v ON_ERROR_STOP=1 -qAt "$@"; }

cleanup() {
  local status=$?
  set +e
  [[ -n "$SCAN_PID" ]] && kill -TERM "$SCAN_PID" 2>/dev/null && wait "$SCAN_PID" 2>/dev/null
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    # The server was started in its own process group (setsid): npx, sh, tsx and node all go.
    kill -TERM -- "-$SERVER_PID" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$SERVER_PID" 2>/dev/null
  fi
  if [[ -n "$DB_CREATED" ]]; then
    psql_admin -c "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" >/dev/null 2>&1 \
      && echo "cleanup: dropped database $DB" || echo "cleanup: could not drop database $DB" >&2
  fi
  if [[ $status -eq 0 && "${KEEP_OUTPUT:-}" != 1 ]]; then
    rm -rf "$WORK"
  else
    echo "cleanup: sqlmap logs, HTTP traffic and the server log are in $WORK"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

die() { echo "setup failed: $*" >&2; [[ -f "$WORK/server.log" ]] && tail -n 40 "$WORK/server.log" >&2; exit 2; }

for tool in "$SQLMAP" psql curl python3 npx setsid; do
  command -v "$tool" >/dev/null || die "$tool is not installed"
done
SQLMAP_VERSION=$("$SQLMAP" --version 2>/dev/null | head -n 1)

# ---- a fresh database and a server on a free port ------------------------------------------------
psql_admin -c "CREATE DATABASE \"$DB\"" || die "cannot create database $DB"
DB_CREATED=1
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
BASE="http://127.0.0.1:$PORT"

cd "$ROOT"
DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/$DB" PORT=$PORT HOST=127.0.0.1 LOG_LEVEL=warn \
  RATE_LIMIT_AUTH_PER_IP=1000000 SIGNIN_FREE_FAILURES=1000000 RATE_LIMIT_MESSAGES=1000000 \
  setsid npx tsx src/server.ts >"$WORK/server.log" 2>&1 &
SERVER_PID=$!

for _ in $(seq 120); do
  curl -fsS -o /dev/null "$BASE/healthz" 2>/dev/null && break
  kill -0 "$SERVER_PID" 2>/dev/null || die "the server exited while starting"
  sleep 0.5
done
curl -fsS -o /dev/null "$BASE/healthz" || die "the server did not answer /healthz within 60 s"

echo "sqlmap scan of Hubbub: $SQLMAP_VERSION, server $BASE, database $DB"
echo

# ---- a user, a session, tokens, messages ---------------------------------------------------------
JSON=(-H 'accept: application/json' -H 'content-type: application/json')
PASSWORD='a long unusual password 77'

status=$(curl -sS -o "$WORK/signup.json" -D "$WORK/signup.headers" -w '%{http_code}' "$BASE/signup/" "${JSON[@]}" \
  -H "origin: $BASE" \
  -d "{\"username\":\"sqlmap_user\",\"first_name\":\"Sql\",\"last_name\":\"Map\",\"password\":\"$PASSWORD\",\"icon\":\"owl\"}")
[[ $status == 201 ]] || die "POST /signup/ answered $status: $(cat "$WORK/signup.json")"
SESSION=$(sed -nE 's/^set-cookie: *hubbub_session=([^;]+);.*/\1/Ip' "$WORK/signup.headers" | tr -d '\r' | head -n 1)
[[ -n "$SESSION" ]] || die "POST /signup/ set no hubbub_session cookie"
COOKIE="hubbub_session=$SESSION"

TOKENS=$(curl -fsS "$BASE/api/token/" "${JSON[@]}" -d "{\"username\":\"sqlmap_user\",\"password\":\"$PASSWORD\"}") \
  || die "POST /api/token/ failed"
REFRESH=$(sed -nE 's/.*"refresh":"([^"]+)".*/\1/p' <<<"$TOKENS")
[[ -n "$REFRESH" ]] || die "no refresh token in $TOKENS"
# Spend the refresh token once, so every request sqlmap makes gets the same answer (401, spent) and
# the page is stable; a spent token still goes through the lookup and the family revocation.
curl -fsS -o /dev/null "$BASE/api/token/refresh/" "${JSON[@]}" -d "{\"refresh\":\"$REFRESH\"}" || die "first refresh failed"

for i in 1 2 3 4 5 6 7 8; do
  curl -fsS -o /dev/null "$BASE/lobby/game/messages/" "${JSON[@]}" -H "cookie: $COOKIE" -H "origin: $BASE" \
    -d "{\"body\":\"seed message $i\"}" || die "could not post seed message $i"
done
# Targets whose first answer would differ from every later one are made to answer alike from the
# start: the room "Room X" and the API user exist already, so sqlmap's baseline is a stable 409.
curl -fsS -o /dev/null "$BASE/lobby/" "${JSON[@]}" -H "cookie: $COOKIE" -H "origin: $BASE" \
  -d '{"name":"Room X","description":"d","image":"chat"}' || die "could not create Room X"
curl -fsS -o /dev/null "$BASE/api/signup/" "${JSON[@]}" \
  -d '{"username":"sqlmap_api","password":"another long password 42","first_name":"Api","last_name":"Map"}' \
  || die "could not sign up sqlmap_api"

# ---- sqlmap, one run per target ------------------------------------------------------------------
# Every technique (sqlmap's default BEUSTQ: boolean, error, union, stacked, time-based with the
# default 5 s delay), --level=3 (also the Cookie, User-Agent and Referer headers where no parameter
# list is given) and --risk=2 (heavy time-based queries). UNION tests stay at the batch default
# (the basic set, "reduce the number of requests: Y"): the full ranges quadruple the requests and
# take the run past 15 minutes on two cores; this set takes about 5.
# --ignore-code=401: sign-in answers 401 to wrong credentials, and a cookie sqlmap has mangled is
# signed out; sqlmap would otherwise abandon the target at the first 401.
COMMON=(--batch --level=3 --risk=2 --dbms=PostgreSQL --flush-session --disable-coloring --ignore-code=401)
declare -a SUMMARY=()

# Prints a command line with the run's secrets and address replaced by shell variables.
show_command() {
  local line
  line=$(printf '%q ' "$@")
  line=${line//"$SESSION"/'$SESSION'}
  line=${line//"$REFRESH"/'$REFRESH'}
  line=${line//"$BASE"/'$BASE'}
  line=${line//"$WORK"/'$OUT'}
  echo "${line% }"
}

wanted() { [[ -z "${SQLMAP_TARGETS:-}" || " $SQLMAP_TARGETS " == *" $1 "* ]]; }

run_target() {
  local name=$1 label=$2; shift 2
  wanted "$name" || return 0
  local dir="$WORK/$name" started elapsed verdict fives injectable codes
  mkdir -p "$dir"
  local cmd=("$SQLMAP" "$@" "${COMMON[@]}" "--output-dir=$dir/out" -t "$dir/traffic.txt")
  echo "== $name: $label"
  echo "   \$ $(show_command "${cmd[@]}")"
  started=$(date +%s)
  # In the background and waited for, so that an interrupt reaches the cleanup trap at once.
  TERM=dumb "${cmd[@]}" </dev/null >"$dir/sqlmap.log" 2>&1 &
  SCAN_PID=$!
  wait "$SCAN_PID" || true
  SCAN_PID=
  elapsed=$(( $(date +%s) - started ))

  # sqlmap's own verdicts, per parameter and overall.
  # A candidate ("appears to be '…' injectable") that sqlmap's own false-positive check then rejects
  # is shown with the rejection; only a confirmed injection point counts as a finding.
  verdict=$(grep -E "does not seem to be injectable|do not appear to be injectable|appears to be '.*' injectable|false positive or unexploitable|might be injectable|is vulnerable|identified the following injection" "$dir/sqlmap.log" \
    | sed -E 's/^\[[0-9:]+\] //; s/\. Try to increase values.*$//; s/ +$//' || true)
  # Status codes of every response sqlmap got (from its traffic file).
  codes=$(grep -oE '^HTTP response \[#[0-9]+\] \([0-9]{3}' "$dir/traffic.txt" 2>/dev/null | grep -oE '[0-9]{3}$' \
    | sort | uniq -c | awk '{printf "%s%s×%s", sep, $2, $1; sep=", "}' || true)
  echo "$verdict" | sed 's/^/   /'
  echo "   responses: ${codes:-none}; $(grep -c '^HTTP request' "$dir/traffic.txt" 2>/dev/null || echo 0) requests in ${elapsed}s"

  local problem=""
  # Confirmed: sqlmap lists injection points, or its results CSV has a row not marked a false positive.
  if grep -qE "is vulnerable|identified the following injection point|sqlmap resumed the following injection point" "$dir/sqlmap.log" \
    || { cat "$dir"/out/results-*.csv 2>/dev/null | tail -n +2 | grep -v "false positive or unexploitable" | grep -q .; }; then
    problem+=" INJECTABLE"
    sed -n '/identified the following injection point/,/^---$/p' "$dir/sqlmap.log" | sed 's/^/   /'
  fi
  if ! grep -q "do not appear to be injectable" "$dir/sqlmap.log" && [[ -z "$problem" ]]; then
    problem+=" NO-VERDICT"
    grep -E "\[(CRITICAL|ERROR)\]" "$dir/sqlmap.log" | sed 's/^/   /' || true
  fi
  fives=$(grep -cE '^HTTP response \[#[0-9]+\] \(5[0-9]{2}' "$dir/traffic.txt" 2>/dev/null || true)
  if [[ "${fives:-0}" -gt 0 ]] || grep -A1 "HTTP error codes detected during run" "$dir/sqlmap.log" | grep -qE '\b5[0-9]{2} \('; then
    problem+=" 5xx"
    grep -A1 "HTTP error codes detected during run" "$dir/sqlmap.log" | sed 's/^/   /'
    echo "   requests answered 5xx (first 5):"
    awk '/^HTTP request \[#/ { req = ""; keep = 1 }
         /^HTTP response \[#/ { keep = 0; if ($0 ~ /\(5[0-9][0-9] /) { print req $0; print "   ----"; if (++n == 5) exit } }
         keep { req = req "   > " $0 "\n" }' "$dir/traffic.txt"
  fi
  if [[ -n "$problem" ]]; then
    FAILED=1
    echo "   RESULT: FAIL ($problem )"
    SUMMARY+=("$name: FAIL ($problem ) — $label")
  else
    echo "   RESULT: not injectable, no 5xx"
    SUMMARY+=("$name: not injectable, no 5xx (${elapsed}s) — $label")
  fi
  echo
}

AUTH=(--cookie="$COOKIE" -H "Accept: application/json")
WRITE=(--cookie="$COOKIE" -H "Accept: application/json" -H "Content-Type: application/json" -H "Origin: $BASE")
API=(-H "Accept: application/json" -H "Content-Type: application/json")

run_target history "GET /lobby/game/messages/?before=5 (before; level 3 adds the cookie, User-Agent, Referer)" \
  -u "$BASE/lobby/game/messages/?before=5" "${AUTH[@]}"
run_target transcript "GET /lobby/game/messages.txt?before=5 (before; cookie, User-Agent, Referer)" \
  -u "$BASE/lobby/game/messages.txt?before=5" --cookie="$COOKIE"
run_target room "GET /lobby/game/ (the room slug, path segment)" \
  -u "$BASE/lobby/game*/" "${AUTH[@]}"
run_target room-history "GET /lobby/game/messages/ (the room slug of the messages routes, path segment)" \
  -u "$BASE/lobby/game*/messages/?before=5" "${AUTH[@]}"
run_target send "POST /lobby/game/messages/ JSON body and client_id (cookie, User-Agent, Referer)" \
  -u "$BASE/lobby/game/messages/" --data='{"body":"hi","client_id":"x1"}' "${WRITE[@]}"
run_target send-new "POST /lobby/game/messages/ JSON body without client_id (every payload is stored)" \
  -u "$BASE/lobby/game/messages/" --data='{"body":"hi"}' -p body "${WRITE[@]}"
run_target edit "PATCH /lobby/game/messages/1/ (the seq path segment, and the JSON body)" \
  -u "$BASE/lobby/game/messages/1*/" --method=PATCH --data='{"body":"edited"}' "${WRITE[@]}"
run_target login "POST /login/ JSON username, password" \
  -u "$BASE/login/" --data='{"username":"x","password":"y"}' "${API[@]}" -p username,password
run_target signup "POST /signup/ JSON (username taken: 409)" \
  -u "$BASE/signup/" --data='{"username":"sqlmap_user","first_name":"Sql","last_name":"Map","password":"a long unusual password 77","icon":"owl"}' "${API[@]}" -p username,first_name,last_name,password,icon
run_target api-token "POST /api/token/ JSON username, password" \
  -u "$BASE/api/token/" --data='{"username":"x","password":"y"}' "${API[@]}" -p username,password
run_target api-signup "POST /api/signup/ JSON (username taken: 409)" \
  -u "$BASE/api/signup/" --data='{"username":"sqlmap_api","password":"another long password 42","first_name":"Api","last_name":"Map"}' "${API[@]}" -p username,password,first_name,last_name
run_target api-refresh "POST /api/token/refresh/ JSON refresh (a spent token: 401)" \
  -u "$BASE/api/token/refresh/" --data="{\"refresh\":\"$REFRESH\"}" "${API[@]}" -p refresh
run_target create-room "POST /lobby/ JSON name, description, image (Room X exists: 409)" \
  -u "$BASE/lobby/" --data='{"name":"Room X","description":"d","image":"chat"}' "${WRITE[@]}" -p name,description,image

# ---- the event stream: it never ends, so curl probes it instead of sqlmap -------------------------
# A sequence that reached SQL would change the replay or delay it (pg_sleep); the stream must start
# promptly with its `ready` event, whatever `after` or Last-Event-ID says, and never answer 5xx.
if wanted events; then
  echo "== events: GET /lobby/game/events/?after=… and Last-Event-ID (curl probe, 3 s per request; sqlmap skipped: the stream never ends)"
  events_failed=0
  payloads=("1" "" "1'" "1\"" "1 AND 1=1" "1 AND 1=2" "1' OR '1'='1" "1;SELECT pg_sleep(5)--" "1 AND 1=(SELECT 1 FROM pg_sleep(5))"
    "1' AND (SELECT 1 FROM pg_sleep(5)) IS NOT NULL--" "1) OR 1=1--" "-1 UNION SELECT NULL--" "1 ORDER BY 100--" "1::text" "1e3" "0x10" "99999999999999999999")
  for where in query header; do
    for payload in "${payloads[@]}"; do
      if [[ $where == query ]]; then
        args=(--get --data-urlencode "after=$payload")
      else
        args=(-H "Last-Event-ID: $payload")
      fi
      result=$(curl -sS --max-time 3 -o "$WORK/events.out" -w '%{http_code} %{time_starttransfer}' "${args[@]}" \
        -H "cookie: $COOKIE" "$BASE/lobby/game/events/" 2>/dev/null || true)
      code=${result%% *}; first=${result#* }
      ready=$(sed -nE '/^event: ready/{n;s/^data: //p;q}' "$WORK/events.out")
      line=$(printf '   %-6s %-48q -> %s, first byte %ss, ready %s' "$where" "$payload" "$code" "$first" "${ready:-none}")
      if [[ ! $code =~ ^[0-9]{3}$ || $code -ge 500 || -z "$ready" ]] || awk -v t="$first" 'BEGIN { exit !(t > 2) }'; then
        echo "$line  <-- FAIL"; events_failed=1
      else
        echo "$line"
      fi
    done
  done
  if [[ $events_failed -eq 0 ]]; then
    echo "   RESULT: every probe answered 200 with ready at once (no 5xx, no delay)"
    SUMMARY+=("events: curl probe, $(( ${#payloads[@]} * 2 )) requests, all 200 and prompt — GET /lobby/game/events/ after / Last-Event-ID")
  else
    FAILED=1
    SUMMARY+=("events: FAIL — GET /lobby/game/events/ after / Last-Event-ID")
  fi
  echo
fi

# ---- the server's own view: no 5xx logged, still up, the session still good -----------------------
errors=$(grep -E '"level":(50|60)|"msg":"request failed"' "$WORK/server.log" || true)
if [[ -n "$errors" ]]; then
  FAILED=1
  echo "== the server logged errors (5xx):"
  head -n 20 <<<"$errors" | sed 's/^/   /'
  SUMMARY+=("server log: FAIL, $(wc -l <<<"$errors") error line(s)")
else
  SUMMARY+=("server log: no errors (no 500 logged)")
fi
if ! curl -fsS -o /dev/null "$BASE/healthz"; then
  FAILED=1; SUMMARY+=("server: FAIL, /healthz does not answer after the scan")
fi
session_status=$(curl -sS -o /dev/null -w '%{http_code}' "$BASE/lobby/" -H 'accept: application/json' -H "cookie: $COOKIE")
if [[ $session_status != 200 ]]; then
  # Not a vulnerability, but it would mean the later targets were scanned signed out.
  FAILED=1; SUMMARY+=("session: FAIL, GET /lobby/ with the scan's cookie answered $session_status after the scan")
fi

echo "== summary ($SQLMAP_VERSION; $(( $(date +%s) - STARTED_AT ))s in all)"
printf '   %s\n' "${SUMMARY[@]}"
if [[ $FAILED -ne 0 ]]; then
  echo "FAIL: see above"
  exit 1
fi
echo "PASS: no parameter injectable, no 5xx"
