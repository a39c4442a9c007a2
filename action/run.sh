#!/usr/bin/env bash
# The ipscan GitHub Action's steps, called from action.yml (and runnable locally for tests).
#
#   run.sh install   install ipscan, write the embedding-cache key to $GITHUB_OUTPUT
#   run.sh scan      scan (the PR's changes, or the whole path), render SARIF and annotations,
#                    write outputs, and fail when asked to
#
# Everything arrives in environment variables, never spliced into this script:
#   INPUT_PATH, INPUT_INDEX, INPUT_FAIL_ON, INPUT_IPSCAN_VERSION   the action's inputs
#   BASE_SHA, HEAD_SHA     a pull request's base and head (else read from $GITHUB_EVENT_PATH)
#   GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_OUTPUT, RUNNER_TEMP, GITHUB_ACTION_PATH
#
# Exit codes of `ipscan`: 0 clean, 1 findings, anything else an error (this step fails at once).
set -euo pipefail

# $1 escaped as workflow-command data (so no input can start a command of its own).
esc() {
  local s="${1//'%'/%25}"
  s="${s//$'\r'/%0D}"
  printf '%s' "${s//$'\n'/%0A}"
}

fail() {
  # One annotation and a non-zero exit: $1 the message, $2 the exit code (default 2).
  printf '::error title=ipscan::%s\n' "$(esc "$1")"
  exit "${2:-2}"
}

python_bin() {
  command -v python || command -v python3 || {
    echo "::error title=ipscan::no python on PATH" >&2
    return 2
  }
}

output() {
  printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"
}

install() {
  local spec="${INPUT_IPSCAN_VERSION:-}"
  local py
  py="$(python_bin)"
  if [[ -z "$spec" ]]; then
    spec="${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set}[cpu]"
  elif [[ "$spec" =~ ^[0-9][0-9A-Za-z.+-]*$ ]]; then
    spec="ipscan-code[cpu]==$spec"
  fi
  "$py" -m pip install --disable-pip-version-check --quiet "$spec"
  local key
  key="$("$py" - <<'PY'
import hashlib
import json
import os
import platform
import zipfile
from importlib import resources

import ipscan

# The default index: a pack names its digest in pack.json; a folder, its CURRENT generation.
data = resources.files("ipscan") / "data"
pack, current = data / "default_index.ipack", data / "default_index" / "CURRENT"
if pack.is_file():
    with zipfile.ZipFile(str(pack)) as zf:
        digest = str(json.loads(zf.read("pack.json"))["id"])[:16]
elif current.is_file():
    digest = hashlib.sha256(current.read_bytes()).hexdigest()[:16]
else:
    digest = "none"
runner = os.environ.get("RUNNER_OS") or platform.system()
print(f"ipscan-{runner}-{ipscan.__version__}-{digest}")
PY
)"
  output cache-key "$key"
}

# The sha of the pull request's base or head ($1: base|head) from the event payload.
event_sha() {
  "$(python_bin)" -c '
import json, os, sys
with open(os.environ["GITHUB_EVENT_PATH"], encoding="utf-8") as fh:
    print(json.load(fh)["pull_request"][sys.argv[1]]["sha"])
' "$1"
}

scan() {
  : "${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}" "${RUNNER_TEMP:?RUNNER_TEMP is not set}"
  local path="${INPUT_PATH:-.}"
  local fail_on="${INPUT_FAIL_ON:-findings}"
  case "$fail_on" in
    findings | never) ;;
    *) fail "fail-on must be 'findings' or 'never', not '$fail_on'" 2 ;;
  esac
  export IPSCAN_CACHE_DIR="${IPSCAN_CACHE_DIR:-$HOME/.cache/ipscan}"

  local report="$RUNNER_TEMP/ipscan.json"
  local sarif="$RUNNER_TEMP/ipscan.sarif"
  rm -f "$report" "$sarif"
  local -a index_args=()
  if [[ -n "${INPUT_INDEX:-}" ]]; then
    index_args=(--index "$INPUT_INDEX")
  fi

  local code=0
  if [[ "${GITHUB_EVENT_NAME:-}" == "pull_request" ]]; then
    local base="${BASE_SHA:-}" head="${HEAD_SHA:-}"
    if [[ -z "$base" || -z "$head" ]]; then
      [[ -n "${GITHUB_EVENT_PATH:-}" ]] || fail "pull_request event without GITHUB_EVENT_PATH"
      base="$(event_sha base)" || fail "cannot read the pull request's base from the event"
      head="$(event_sha head)" || fail "cannot read the pull request's head from the event"
    fi
    # On pull_request events GITHUB_SHA is the merge of the PR into the current base: comparing
    # the base with it gives exactly what the PR adds, even when the base branch moved on since
    # the PR forked (comparing with the PR head would count the base's newer changes too).
    if [[ -n "${GITHUB_SHA:-}" ]] && git -C "$path" cat-file -e "${GITHUB_SHA}^{commit}" 2>/dev/null; then
      head="$GITHUB_SHA"
    fi
    echo "ipscan: scanning what ${head:0:12} adds to ${base:0:12}"
    # actions/checkout makes a shallow clone: --fetch lets ipscan fetch the base from origin.
    ipscan diff --fetch --base "$base" --head "$head" -C "$path" --format json -o "$report" \
      ${index_args[@]+"${index_args[@]}"} || code=$?
  else
    echo "ipscan: scanning $(esc "$path")"
    ipscan repo "$path" --format json -o "$report" ${index_args[@]+"${index_args[@]}"} ||
      code=$?
  fi
  output exit-code "$code"
  if [[ "$code" -ne 0 && "$code" -ne 1 ]]; then
    fail "the scan failed (exit code $code); see the log above" "$code"
  fi
  [[ -s "$report" ]] || fail "the scan wrote no report to $report" 3

  # The scan above printed its summary line; -q keeps the renders from printing it again.
  local rc=0
  ipscan -q render "$report" --format sarif -o "$sarif" || rc=$?
  [[ "$rc" -le 1 ]] || fail "could not write the SARIF log (exit code $rc)" "$rc"
  # Annotations on stdout; the CLI appends the Markdown job summary to $GITHUB_STEP_SUMMARY.
  rc=0
  ipscan -q render "$report" --format github || rc=$?
  [[ "$rc" -le 1 ]] || fail "could not render the annotations (exit code $rc)" "$rc"

  local count failing
  read -r count failing < <("$(python_bin)" -c '
import json, sys
with open(sys.argv[1], encoding="utf-8") as fh:
    summary = json.load(fh)["summary"]
print(summary["findings"], summary.get("failing", 0))
' "$report") || fail "cannot read the finding counts from $report" 3
  output findings "$count"
  output failing "$failing"
  output report "$report"
  output sarif "$sarif"

  if [[ "$code" -eq 1 && "$fail_on" == "findings" ]]; then
    echo "ipscan: $failing of $count finding(s) fail the policy (fail-on: findings)" >&2
    exit 1
  fi
  echo "ipscan: done ($count finding(s), $failing failing the policy, fail-on: $fail_on)"
}

case "${1:-scan}" in
  install) install ;;
  scan) scan ;;
  *) fail "unknown step '${1}' (expected install or scan)" 2 ;;
esac
