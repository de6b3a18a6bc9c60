#!/usr/bin/env bash
# The largo command line: help, version, clear errors for bad input. Usage: largo_cli_test.sh LARGO
set -u
largo=$1
fail=0
check() {  # check NAME EXPECTED_EXIT PATTERN -- ARGS...
  local name=$1 expected=$2 pattern=$3; shift 4
  local out rc
  out=$("$largo" "$@" 2>&1); rc=$?
  if [ "$rc" -ne "$expected" ] || ! grep -qE -- "$pattern" <<<"$out"; then
    echo "FAIL $name: exit $rc (want $expected), output:"; echo "$out" | head -20; fail=1
  else
    echo "ok   $name"
  fi
}
check help_lists_subcommands 0 'run.*p2p|version' -- --help
check help_lists_bench 0 'bench' -- --help
check version_prints_semver 0 '^largo [0-9]+\.[0-9]+\.[0-9]+' -- version
check no_subcommand_is_an_error 2 'subcommand' --
check unknown_subcommand_is_an_error 2 'subcommand|Extra|unexpected' -- frobnicate
check run_without_id_is_an_error 2 '\-\-id' -- run
check run_with_unknown_mode_is_an_error 2 'mode' -- run --id Alpha --mode sideways
check bench_unknown_name_is_an_error 2 "no benchmark named 'nope'" -- bench nope
check run_spin_over_a_second_is_an_error 2 'spin-us' -- run --id Alpha --spin-us 1000001
check p2p_negative_spin_is_an_error 2 'spin-us' -- p2p --spin-us -1
# A spinning event loop still serves commands and quits.
out=$(echo '{"cmd":"quit"}' | timeout 20 "$largo" p2p --spin-us 1000 --listen /ip4/127.0.0.1/tcp/0 2>&1); rc=$?
if [ "$rc" -ne 0 ] || ! grep -q '"event":"listening"' <<<"$out"; then
  echo "FAIL p2p_spinning_loop_listens_and_quits: exit $rc, output:"; echo "$out" | head -20; fail=1
else
  echo "ok   p2p_spinning_loop_listens_and_quits"
fi
exit $fail
