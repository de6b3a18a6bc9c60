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
exit $fail
