#!/usr/bin/env bash
# The first hour of a new user, scripted: install eddy from the checkout,
# ask it for its version and for help, discover a CSV file, run the
# quickstart, explain a Kafka application without a broker, and run a
# report over replayed data. TestFirstHour (firsthour_test.go) runs it in a
# temporary directory:
#   REPO  the repository's root     WORK  an empty temporary directory
#   TRAP  HOST:PORT of a listener that counts connections (must stay 0)
set -euo pipefail
: "${REPO:?}" "${WORK:?}" "${TRAP:?}"
fail() { echo "FIRST HOUR: $*" >&2; exit 1; }
step() { echo "== $*"; }

step "go install from the checkout"
export GOBIN="$WORK/bin"
(cd "$REPO" && go install ./cmd/eddy) || fail "go install ./cmd/eddy failed"
eddy="$GOBIN/eddy"
[ -x "$eddy" ] || fail "no eddy in $GOBIN"

step "eddy version"
"$eddy" version > "$WORK/version" || fail "eddy version exited $?"
grep -q '^eddy ' "$WORK/version" && grep -q '^go: go1' "$WORK/version" || fail "eddy version printed: $(cat "$WORK/version")"
"$eddy" --version | cmp -s - "$WORK/version" || fail "eddy --version differs from eddy version"

step "--help of every subcommand"
commands=$("$eddy" help | awk '/^commands:/ {on=1; next} on && /^  [a-z]/ {print $1} on && /^$/ {exit}')
[ "$(echo "$commands" | wc -w)" -ge 8 ] || fail "eddy help lists only: $commands"
for c in $commands; do
    out=$("$eddy" "$c" --help) || fail "eddy $c --help exited $?"
    [ -n "$out" ] || fail "eddy $c --help printed nothing"
    case "$out" in "usage: eddy $c"*) ;; *) fail "eddy $c --help does not start with its usage: ${out%%$'\n'*}" ;; esac
    [ "$("$eddy" help "$c")" = "$out" ] || fail "eddy help $c differs from eddy $c --help"
done

step "eddy discover of a CSV file, without file:"
cd "$WORK"
printf 'sym,price,ts\nAAPL,183.5,2024-05-01 10:00:00\nIBM,140.25,2024-05-01 10:00:01\n' > t.csv
"$eddy" discover t.csv > discovered.sql || fail "eddy discover t.csv exited $?"
grep -q "CREATE OR REPLACE STREAM" discovered.sql && grep -q "format = 'csv'" discovered.sql \
    && grep -q "header = 'true'" discovered.sql && grep -q '"price" DOUBLE' discovered.sql && grep -q '"ts" TIMESTAMP' discovered.sql \
    && grep -q '"sym" VARCHAR(16)' discovered.sql && ! grep -q 'COL_1' discovered.sql \
    || fail "eddy discover t.csv printed: $(cat discovered.sql)"

step "the quickstart, stopped after 3 s"
cd "$REPO"
set +e
timeout --preserve-status -s INT 3 "$eddy" run cmd/eddy/examples/ticker_alerts.sql --format json > "$WORK/quick.out" 2> "$WORK/quick.err"
code=$?
set -e
[ "$code" = 130 ] || fail "the quickstart exited $code, want 130 (stopped by SIGINT after a clean flush): $(cat "$WORK/quick.err")"
if [ -s "$WORK/quick.out" ]; then
    grep -qv '^{"TICKER_SYMBOL":' "$WORK/quick.out" && fail "the quickstart printed: $(head -3 "$WORK/quick.out")"
fi

step "--explain with a Kafka broker that must not be contacted"
cat > "$WORK/kafka.sql" <<SQL
CREATE STREAM TICKS (sym VARCHAR(4), price DOUBLE) WITH (connector = 'kafka', topic = 'ticks', brokers = '$TRAP');
CREATE STREAM ALERTS (sym VARCHAR(4), price DOUBLE) WITH (connector = 'kafka', topic = 'alerts', brokers = '$TRAP');
CREATE PUMP P AS INSERT INTO ALERTS SELECT STREAM sym, price FROM TICKS WHERE price > 100;
SQL
start=$(date +%s%N)
timeout 10 "$eddy" run "$WORK/kafka.sql" --explain > "$WORK/explain.out" || fail "eddy run --explain exited $?"
took=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$took" -lt 3000 ] || fail "eddy run --explain took ${took}ms"
grep -q '^source TICKS: kafka' "$WORK/explain.out" && grep -q 'logical plan:' "$WORK/explain.out" \
    && grep -q 'physical plan:' "$WORK/explain.out" && grep -q '^destination ALERTS: kafka' "$WORK/explain.out" \
    || fail "eddy run --explain printed: $(cat "$WORK/explain.out")"
grep -q '\*exec\.' "$WORK/explain.out" && fail "eddy run --explain prints Go type names: $(cat "$WORK/explain.out")"

step "a report over replayed data"
"$eddy" run cmd/eddy/examples/csv_ticks.sql --state "$WORK/state" --output BIG_MOVES=discard 2> "$WORK/run.err" \
    || fail "eddy run csv_ticks.sql --state exited $?: $(cat "$WORK/run.err")"
"$eddy" report cmd/eddy/examples/csv_ticks.sql --state "$WORK/state" --once --out "$WORK/reports" > "$WORK/report.out" 2> "$WORK/report.err" \
    || fail "eddy report --once exited $?: $(cat "$WORK/report.err")"
grep -q 'newest retained row' "$WORK/report.err" || fail "eddy report --once did not say which time it chose: $(cat "$WORK/report.err")"
file=$(cat "$WORK/report.out")
[ -f "$file" ] || fail "eddy report --once printed $file, which is no file"
grep -q '^| AAPL | 30 |' "$file" || fail "the report has no rows: $(cat "$file")"
if "$eddy" report cmd/eddy/examples/csv_ticks.sql --state "$WORK/no-state" --once 2> "$WORK/nostate.err"; then
    fail "eddy report --once without history exited 0"
fi
grep -q 'no retained history' "$WORK/nostate.err" || fail "eddy report without history said: $(cat "$WORK/nostate.err")"
echo "first hour: all good"
