#!/usr/bin/env bash
# The standing probe of the REST API: schemathesis generates requests from Census's own OpenAPI
# document (every operation, valid and invalid input, then stateful sequences that create, read,
# change and delete) against a release binary on a fresh SQLite database, signed in as an admin,
# and fails on any 5xx, any status code, content type or response body the document does not
# describe. Bounded by FUZZ_SECONDS (default 240) so `make test` stays inside CI's time.
#
#   CENSUS_BIN=target/release/census FUZZ_SECONDS=600 end2end/api-fuzz.sh
set -euo pipefail

bin="${CENSUS_BIN:-target/release/census}"
seconds="${FUZZ_SECONDS:-240}"
port="${FUZZ_PORT:-3293}"
dir="$(mktemp -d)"
export CENSUS_DATABASE_URL="sqlite://$dir/census.db?mode=rwc"
export CENSUS_LOG="${CENSUS_LOG:-warn}"
export CENSUS_SCHEDULE_NINJA=off CENSUS_SCHEDULE_THREATLOCKER=off CENSUS_SCHEDULE_RETENTION=off

"$bin" migrate >/dev/null
printf 'fuzz-password-123\n' | "$bin" user add --username fuzz --password-stdin --role admin >/dev/null
token="$("$bin" token create --username fuzz --description "api fuzz" | tail -n 1)"

"$bin" serve --addr "127.0.0.1:$port" 2>"$dir/serve.log" &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
python3 - "$port" <<'PY'
import sys, time, urllib.request
for _ in range(300):
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/health", timeout=1)
        break
    except OSError:
        time.sleep(0.1)
PY

status=0
python3 -m schemathesis.cli run "http://127.0.0.1:$port/api/v1/openapi.json" \
  --header "Authorization: Bearer $token" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --max-time "$seconds" \
  --workers 2 \
  --request-timeout 40 \
  --suppress-health-check all \
  --warnings off \
  --seed "${FUZZ_SEED:-20261201}" \
  || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- the server's log (errors and warnings) ---"
  tail -n 50 "$dir/serve.log"
fi
exit "$status"
