"""Fault and bad-input table: runs the regression tests that pin each hardening case and prints,
per case, how many inputs were tried and how many behaved as owed.

Every case is a reproduction from issue #15 (security review); its tests live in tests/ and
run in CI too. This script only groups their results into the table the README quotes.

    python bench/hardening.py [--markdown]
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import cpu_model  # noqa: E402

# (case, what was tried, tests: "file::name-prefix" — every parametrized input counts)
CASES: list[tuple[str, str, tuple[str, ...]]] = [
    (
        "1",
        "revisions that git reads as options (`--upload-pack=...`), refspecs, option-like --rev",
        (
            "test_git_hardening::test_a_revision_that_looks_like_an_option_runs_nothing",
            "test_git_hardening::test_parse_range_refuses_option_like_revisions",
            "test_git_hardening::test_fetch_takes_no_refspec",
            "test_git_hardening::test_an_option_like_rev_for_a_git_source_is_refused",
            "test_git_hardening::test_the_scanned_repositorys_config_runs_no_command",
            "test_git_hardening::test_file_names_are_never_read_as_pathspec_patterns",
        ),
    ),
    (
        "2",
        "no network unless --fetch; a full clone never made shallow",
        (
            "test_git_hardening::test_a_missing_revision_is_an_error_naming_fetch",
            "test_git_hardening::test_fetch_never_makes_a_full_clone_shallow",
            "test_git_hardening::test_fetch_in_a_shallow_clone_gets_the_missing_base",
            "test_git_hardening::test_diff_and_repo_make_no_network_connection",
            "test_git_hardening::test_a_partial_clone_never_fetches_missing_blobs",
        ),
    ),
    (
        "3",
        "a tracked folder, or the policy file, linked to outside the repository",
        (
            "test_git_hardening::test_a_tracked_folder_replaced_by_a_link_outside_is_not_read",
            "test_policy::test_a_policy_file_linked_from_outside_the_project_is_refused",
        ),
    ),
    (
        "4",
        "ext:: / fd:: / option-like source URLs",
        ("test_git_hardening::test_unsafe_source_urls_are_a_usage_error",),
    ),
    (
        "5",
        "a build into a folder holding the user's own g-* folders, or a non-index folder",
        (
            "test_index_faults::test_a_build_keeps_folders_it_did_not_make",
            "test_index_faults::test_build_refuses_a_folder_that_is_not_an_index",
            "test_index_build::test_build_default_replaces_only_an_index",
            "test_index_faults::test_a_folder_of_another_program_with_a_current_file",
        ),
    ),
    (
        "6",
        "a scan open while a build replaces the index",
        (
            "test_index_faults::test_a_reader_keeps_working_while_a_build_replaces",
            "test_index_faults::test_a_reader_in_another_process_survives_a_build",
            "test_index_faults::test_an_old_generation_without_a_lock_file_is_kept",
            "test_index_faults::test_a_reader_that_loses_the_race",
        ),
    ),
    (
        "7",
        "embedding cache bit-rot (FF FF, zeros, wrong types, moved rows, garbage files)",
        (
            "test_embedding_cache::test_a_damaged_row_is_a_miss",
            "test_embedding_cache::test_a_vector_moved_to_another_key_is_a_miss",
            "test_embedding_cache::test_a_file_that_is_not_a_database",
            "test_embedding_cache::test_a_truncated_file",
            "test_embedding_cache::test_another_programs_table",
            "test_embedding_cache::test_a_vector_that_is_not_unit_length",
            "test_embedding_cache::test_a_damaged_cache_does_not_change_a_scan",
            "test_embedding_cache::test_an_unreadable_cache_warns_once",
        ),
    ),
    (
        "8",
        "Ctrl-C before and after a new index goes live",
        (
            "test_index_faults::test_ctrl_c_after_the_switch",
            "test_index_faults::test_ctrl_c_before_the_switch",
        ),
    ),
    (
        "9",
        "broken index folders (manifest types, CURRENT bytes, read-only, full disk)",
        (
            "test_index_faults::test_a_bad_index_folder",
            "test_index_faults::test_a_full_disk_leaves_the_previous_index",
            "test_index_faults::test_a_read_only_index_folder",
            "test_hostile_inputs_cli::test_a_deeply_nested_report_or_manifest",
        ),
    ),
    (
        "10",
        "hostile metadata and policies (deep nesting, bad SPDX, huge glob lists)",
        (
            "test_sources::test_unparseable_metadata_is_treated_as_absent",
            "test_hostile_inputs_cli::test_unparseable_project_metadata_is_ignored",
            "test_hostile_inputs_cli::test_a_bad_policy_is_a_usage_error",
            "test_hostile_inputs_cli::test_a_project_license_that_is_no_spdx",
            "test_policy::test_wrong_settings_name_the_key",
            "test_policy::test_a_policy_file_too_big",
        ),
    ),
    (
        "11",
        "misdirected paths, submodules, control characters in names, shebang scripts",
        (
            "test_git_hardening::test_scanning_the_git_folder_is_a_usage_error",
            "test_git_hardening::test_a_submodule_is_listed_as_skipped",
            "test_git_hardening::test_an_extensionless_script_is_scanned_by_its_shebang",
            "test_index_build::test_an_extensionless_script_is_indexed_by_its_shebang",
            "test_hostile_inputs_cli::test_a_file_name_with_control_characters",
            "test_report_formats::test_text_output_escapes_control_characters",
            "test_report_formats::test_github_output_escapes_control_characters",
            "test_terminal::test_terminal_output_escapes_control_characters",
        ),
    ),
    (
        "12",
        "a staged rename",
        ("test_git_hardening::test_check_follows_a_staged_rename_like_diff",),
    ),
    (
        "faults",
        "SIGKILL of a build at every write step and at three points of a real build",
        (
            "test_index_faults::test_a_write_killed_at_any_step",
            "test_index_faults::test_a_killed_build_leaves_the_old_index",
        ),
    ),
]


def run(markdown: bool) -> int:
    files = sorted({f"tests/{t.split('::')[0]}.py" for _, _, tests in CASES for t in tests})
    with tempfile.TemporaryDirectory() as tmp:
        xml = Path(tmp) / "results.xml"
        cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        cmd += ["-m", "slow or not slow", f"--junitxml={xml}", *files]
        subprocess.run(cmd, cwd=ROOT, check=False, capture_output=True)
        outcome: dict[tuple[str, str], bool] = {}
        for case in ET.parse(xml).getroot().iter("testcase"):
            module = case.get("classname", "").rsplit(".", 1)[-1]
            failed = any(c.tag in ("failure", "error") for c in case)
            skipped = any(c.tag == "skipped" for c in case)
            if not skipped:
                outcome[(module, case.get("name", ""))] = not failed
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    rows = []
    for number, what, tests in CASES:
        tried = passed = 0
        for test in tests:
            module, prefix = test.split("::")
            for (mod, name), ok in outcome.items():
                if mod == module and name.startswith(prefix):
                    tried += 1
                    passed += ok
        if tried == 0:
            print(f"case {number}: no test ran ({tests[0]} ...)", file=sys.stderr)
        counts[number] = [tried, passed]
        rows.append((number, what, tried, passed))
    print(f"# {cpu_model()}, nproc {os.cpu_count()}, Python {platform.python_version()}")
    if markdown:
        print("| Case | Tried | Inputs | Behaved as owed |\n|---|---|---|---|")
        for number, what, tried, passed in rows:
            print(f"| {number} | {what} | {tried} | {passed} |")
    else:
        for number, what, tried, passed in rows:
            print(f"{number:>6}  {passed:>3}/{tried:<3}  {what}")
    total = sum(t for t, _ in counts.values()), sum(p for _, p in counts.values())
    print(f"total: {total[1]} of {total[0]} inputs behaved as owed")
    return 0 if total[0] == total[1] and all(t for t, _ in counts.values()) else 1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--markdown", action="store_true", help="print a Markdown table")
    raise SystemExit(run(ap.parse_args().markdown))


if __name__ == "__main__":
    main()
