#!/usr/bin/env bash
# `largo run`: bad input fails with one clear line and leaves data alone; a server and a
# client converge over libp2p (POST on one, GET on the other); a restarted server keeps its
# PeerId and state. Usage: largo_run_test.sh LARGO. Needs curl. Every wait is bounded;
# everything listens on 127.0.0.1 with port 0.
set -u
largo=$1
fail=0
tmp=$(mktemp -d /tmp/largo_run_test.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT
command -v curl >/dev/null || { echo "curl is required"; exit 1; }
# Isolate HOME so a default data dir never lands in the real one.
export HOME="$tmp/home"
mkdir -p "$HOME"
web="$tmp/web"
mkdir -p "$web/studio"
echo '<html>studio page</html>' >"$web/studio/index.html"
common_but_tcp=(--http-port 0 --ws-port 0 --listen-host 127.0.0.1 --web-root "$web")
common=("${common_but_tcp[@]}" --tcp-port 0)

ok() { echo "ok   $1"; }
bad() { echo "FAIL $1: $2"; fail=1; }

# check NAME EXPECTED_EXIT PATTERN -- ARGS...: exit status and one stderr line matching PATTERN.
check() {
  local name=$1 expected=$2 pattern=$3; shift 4
  local err rc
  err=$(timeout 20 "$largo" "$@" 2>&1 >/dev/null); rc=$?
  if [ "$rc" -ne "$expected" ] || ! grep -qE -- "$pattern" <<<"$err" || [ "$(wc -l <<<"$err")" -ne 1 ]; then
    bad "$name" "exit $rc (want $expected), stderr:"; echo "$err" | head -10
  else
    ok "$name"
  fi
}

long_id=$(printf 'a%.0s' $(seq 1 65))
check empty_id_is_a_usage_error 2 'id' -- run --id '' --data-dir "$tmp/d0" "${common[@]}"
check over_long_id_is_a_usage_error 2 'id' -- run --id "$long_id" --data-dir "$tmp/d0" "${common[@]}"
check id_with_a_slash_is_a_usage_error 2 'id' -- run --id 'a/b' --data-dir "$tmp/d0" "${common[@]}"
check unknown_mode_is_a_usage_error 2 'mode' -- run --id Alpha --mode sideways --data-dir "$tmp/d0" "${common[@]}"
check unknown_class_is_a_usage_error 2 '\-\-as' -- run --id Alpha --as king --data-dir "$tmp/d0" "${common[@]}"
check port_out_of_range_is_a_usage_error 2 'http-port' -- run --id Alpha --http-port 70000 --data-dir "$tmp/d0"
check bad_peer_is_a_usage_error 2 'peer' -- run --id Alpha --peer not-an-addr --data-dir "$tmp/d0" "${common[@]}"
check logos_program_is_not_pretended 2 'LOGOS programs are not implemented' -- \
  run --id Alpha --data-dir "$tmp/d0" "${common[@]}" prog.logos
[ -e "$tmp/d0" ] && bad usage_errors_touch_nothing "$tmp/d0 was created" || ok usage_errors_touch_nothing

touch "$tmp/a_file"
check data_dir_that_is_a_file_fails 1 'data dir' -- run --id Alpha --data-dir "$tmp/a_file" "${common[@]}"
if [ "$(id -u)" -ne 0 ]; then
  mkdir -p "$tmp/locked" && chmod 500 "$tmp/locked"
  check unwritable_data_dir_fails 1 'data dir|locked' -- run --id Alpha --data-dir "$tmp/locked" "${common[@]}"
  chmod 700 "$tmp/locked"
else
  echo "skip unwritable_data_dir_fails (running as root: permissions do not apply)"
fi
mkdir -p "$tmp/corrupt"
printf 'garbage key bytes' >"$tmp/corrupt/identity.key"
cp "$tmp/corrupt/identity.key" "$tmp/corrupt.orig"
check corrupt_identity_fails 1 'identity.key' -- run --id Alpha --data-dir "$tmp/corrupt" "${common[@]}"
cmp -s "$tmp/corrupt/identity.key" "$tmp/corrupt.orig" && ok corrupt_identity_left_untouched ||
  bad corrupt_identity_left_untouched "identity.key changed"

# start NAME ARGS...: runs largo in the background with stdout in $tmp/NAME.out; waits (at
# most 20 s) for its ready line and sets READY to it.
start() {
  local name=$1; shift
  "$largo" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
  local pid=$!
  pids+=("$pid")
  eval "${name}_pid=$pid"
  READY=""
  for _ in $(seq 1 200); do
    READY=$(grep -m1 '^{"event":"ready"' "$tmp/$name.out" 2>/dev/null)
    [ -n "$READY" ] && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "--- $name stderr:"; tail -20 "$tmp/$name.err"
  return 1
}
field() { sed -E "s/.*\"$1\":\"([^\"]*)\".*/\1/" <<<"$2"; }
first_addr() { sed -E 's/.*"addrs":\["([^"]*)".*/\1/' <<<"$1"; }
# stop NAME [SIGNAL]: SIGTERM (or SIGNAL), then wait (at most 10 s) for exit; sets
# STOP_CODE to its exit status.
stop() {
  local pid
  eval "pid=\$${1}_pid"
  kill -"${2:-TERM}" "$pid" 2>/dev/null
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid"
    wait "$pid" 2>/dev/null
    STOP_CODE=137
    return
  fi
  wait "$pid"
  STOP_CODE=$?
}
# wait_for URL PATTERN: polls GET URL (at most 20 s) until the body matches PATTERN.
wait_for() {
  local body=""
  for _ in $(seq 1 100); do
    body=$(curl -s --max-time 2 "$1")
    grep -qE -- "$2" <<<"$body" && return 0
    sleep 0.2
  done
  echo "last body of $1: $body"
  return 1
}

if ! start server run --id Alpha --mode server --data-dir "$tmp/server" "${common[@]}"; then
  bad server_starts "no ready line"
  exit 1
fi
server_ready=$READY
server_http=$(field http "$server_ready")
server_peer=$(field peer_id "$server_ready")
server_addr=$(first_addr "$server_ready")
[ -f "$tmp/server/identity.key" ] && [ "$(stat -c %a "$tmp/server/identity.key")" = 600 ] &&
  ok identity_created_0600 || bad identity_created_0600 "$(ls -l "$tmp/server" 2>&1)"
grep -q "studio?id=Alpha" "$tmp/server.out" && ok invite_box_names_the_studio_url ||
  bad invite_box_names_the_studio_url "$(head -20 "$tmp/server.out")"
grep -q "█" "$tmp/server.out" && ok invite_box_draws_a_qr_code || bad invite_box_draws_a_qr_code "no blocks"

# Port in use: a second node asking for the server's HTTP port fails and says why.
port=${server_http##*:}
check http_port_in_use_fails 1 'in use' -- run --id Alpha --data-dir "$tmp/other" --http-port "$port" \
  --tcp-port 0 --ws-port 0 --listen-host 127.0.0.1

code=$(curl -s -o "$tmp/studio.html" -w '%{http_code} %{content_type}' "$server_http/studio?id=Alpha")
[ "$code" = "200 text/html; charset=utf-8" ] && grep -q 'studio page' "$tmp/studio.html" && ok studio_served ||
  bad studio_served "$code"
curl -s "$server_http/api/node" | grep -q "\"peer_id\":\"$server_peer\"" && ok api_node_names_the_peer ||
  bad api_node_names_the_peer "$(curl -s "$server_http/api/node")"
code=$(curl -s -o "$tmp/bad.json" -w '%{http_code}' -X POST --data '{"kind":"counter","op":"fly"}' \
  "$server_http/api/state/hits")
[ "$code" = 400 ] && grep -q 'fly' "$tmp/bad.json" && ok bad_op_is_400 || bad bad_op_is_400 "$code $(cat "$tmp/bad.json")"

if ! start client run --id Alpha --mode client --data-dir "$tmp/client" --peer "$server_addr" "${common[@]}"; then
  bad client_starts "no ready line"
  exit 1
fi
client_http=$(field http "$READY")
wait_for "$server_http/api/peers" "\"peer\":\"$(field peer_id "$READY")\"" && ok peers_see_each_other ||
  bad peers_see_each_other "client never joined the server"

reply=$(curl -s --max-time 15 -X POST --data '{"kind":"counter","op":"increment","amount":5}' \
  "$client_http/api/state/hits")
grep -qE '"ok":true.*"value":5' <<<"$reply" && ok post_returns_the_write || bad post_returns_the_write "$reply"
wait_for "$server_http/api/state/hits" '^5$' && ok client_write_reaches_server ||
  bad client_write_reaches_server "server never saw hits=5"
curl -s --max-time 15 -X POST --data '{"kind":"set","op":"add","value":"from-server"}' \
  "$server_http/api/state/tags" >/dev/null
wait_for "$client_http/api/state/tags" 'from-server' && ok server_write_reaches_client ||
  bad server_write_reaches_client "client never saw the tag"
curl -s "$server_http/metrics" | grep -qE '^fabric_peers 1$' && ok metrics_count_the_peer ||
  bad metrics_count_the_peer "$(curl -s "$server_http/metrics" | head -20)"

replica_of() { curl -s "$1/api/node" | sed -E 's/.*"replica_id":"([0-9]+)".*/\1/'; }
server_replica=$(replica_of "$server_http")
stop server
[ "$STOP_CODE" = 0 ] && ok sigterm_exits_0 || bad sigterm_exits_0 "exit $STOP_CODE"
# Same libp2p TCP port again, so the client's re-dial finds the restarted server.
server_tcp_port=$(sed -E 's|.*/tcp/([0-9]+)/.*|\1|' <<<"$server_addr")
if start server run --id Alpha --mode server --data-dir "$tmp/server" "${common_but_tcp[@]}" \
  --tcp-port "$server_tcp_port"; then
  [ "$(field peer_id "$READY")" = "$server_peer" ] && ok restart_keeps_the_peer_id ||
    bad restart_keeps_the_peer_id "$(field peer_id "$READY") != $server_peer"
  server_http=$(field http "$READY")
  state=$(curl -s "$server_http/api/state")
  grep -q '"hits"' <<<"$state" && [ "$(curl -s "$server_http/api/state/hits")" = 5 ] &&
    grep -q 'from-server' <<<"$state" && ok restart_recovers_the_state || bad restart_recovers_the_state "$state"
  wait_for "$server_http/api/peers" "\"peer\":\"$(field peer_id "$(grep -m1 '^{"event":"ready"' "$tmp/client.out")")\"" &&
    ok client_redials_the_restarted_server || bad client_redials_the_restarted_server "no reconnect"
  curl -s --max-time 15 -X POST --data '{"kind":"counter","op":"increment","amount":2}' "$server_http/api/state/hits" \
    >/dev/null
  wait_for "$client_http/api/state/hits" '^7$' && ok writes_flow_after_reconnect || bad writes_flow_after_reconnect "hits"
  # A clean stop keeps the replica; a crash (SIGKILL) makes the next start write as a new
  # one (docs/fabric.md "Replica sessions"), with the state intact.
  [ "$(replica_of "$server_http")" = "$server_replica" ] && ok clean_restart_keeps_the_replica ||
    bad clean_restart_keeps_the_replica "$(replica_of "$server_http") != $server_replica"
  stop server KILL
  if start server run --id Alpha --mode server --data-dir "$tmp/server" "${common_but_tcp[@]}" \
    --tcp-port "$server_tcp_port"; then
    server_http=$(field http "$READY")
    crashed_replica=$(replica_of "$server_http")
    [ -n "$crashed_replica" ] && [ "$crashed_replica" != "$server_replica" ] &&
      [ "$(curl -s "$server_http/api/state/hits")" = 7 ] && ok crash_restart_writes_as_a_fresh_replica ||
      bad crash_restart_writes_as_a_fresh_replica "$crashed_replica vs $server_replica, hits $(curl -s "$server_http/api/state/hits")"
    stop server
  else
    bad restart_after_crash "the server did not come back"
  fi
else
  bad restart "the server did not come back"
fi
stop client INT
[ "$STOP_CODE" = 0 ] && ok client_sigint_exits_0 || bad client_sigint_exits_0 "exit $STOP_CODE"

# Ephemeral: runs without writing anything to disk.
if start eph run --id Alpha --as ephemeral --data-dir "$tmp/eph" "${common[@]}"; then
  grep -q '"sovereignty":"ephemeral"' <<<"$READY" && [ ! -e "$tmp/eph" ] && ok ephemeral_writes_nothing ||
    bad ephemeral_writes_nothing "$READY; $(ls "$tmp/eph" 2>&1)"
  reply=$(curl -s --max-time 15 -X POST --data '{"kind":"list","op":"insert","index":0,"value":"x"}' \
    "$(field http "$READY")/api/state/items")
  grep -q '"value":\["x"\]' <<<"$reply" && ok ephemeral_write_completes || bad ephemeral_write_completes "$reply"
  stop eph
else
  bad ephemeral_starts "no ready line"
fi
[ $fail -ne 0 ] && { echo "--- server stderr"; tail -30 "$tmp/server.err"; echo "--- client stderr"; tail -30 "$tmp/client.err"; }
exit $fail
