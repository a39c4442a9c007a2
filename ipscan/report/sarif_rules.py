"""The SARIF rules: one per detection verdict, with help text (plain and Markdown).

Rule ids are the verdict strings and never change (code scanning ties an alert to its rule).
A rule's default level is what its verdict usually gets; each result carries its own level,
set by the policy (see ``ipscan.report.outcome``).
"""

from __future__ import annotations

from typing import Any

from ipscan.records import Verdict
from ipscan.report.outcome import Level

DEFAULT_LEVELS: dict[Verdict, Level] = {
    Verdict.COPIED: "error",
    Verdict.MODIFIED_COPY: "warning",
    Verdict.SIMILAR: "note",
}

# (name, short description, what it means, what to do)
RULE_TEXT = {
    Verdict.COPIED: (
        "CopiedCode",
        "Code copied from licensed open source",
        "This code is the same as code in an indexed open-source package, names and layout "
        "aside. The package's license applies to it.",
        "Do what the result's license verdict asks (its message says how): add the notice, "
        "replace or remove the code, or record it in the policy as an approved component.",
    ),
    Verdict.MODIFIED_COPY: (
        "ModifiedCopy",
        "Edited copy of licensed open source",
        "This code is a copy, with edits or in part, of code in an indexed open-source package. "
        "Edits do not remove the original license's terms.",
        "Treat it as a copy: do what the result's license verdict asks, as for copied code.",
    ),
    Verdict.SIMILAR: (
        "SimilarCode",
        "Code similar to licensed open source",
        "This code resembles code in an indexed open-source package (by embeddings, or a short "
        "stock idiom). It fails a run only when the policy's fail-on lists `similar`.",
        "Have a look: if it was copied, treat it as a copy; else nothing is needed.",
    ),
}

LEVELS_TEXT = (
    "The level follows the project's ipscan policy: error when the finding fails it (the "
    "policy's fail-on lists its license verdict), warning for a license issue the policy lets "
    "pass, note for an allowed copy or a similar match."
)

# License verdicts a result may carry (the policy may add its own): meaning, what to do.
LICENSE_VERDICTS = (
    ("ok", "allowed as it stands", "nothing beyond the project's own license"),
    (
        "attribution-required",
        "allowed, but the source's notice is missing",
        "add the notice given in the message next to the code or in a NOTICE file",
    ),
    ("unknown-license", "ipscan does not know the license", "read its terms, or replace the code"),
    ("no-license", "no license: all rights reserved", "get permission, or replace the code"),
    (
        "copyleft-conflict",
        "copyleft code in a project under other terms",
        "relicense the receiving work, or remove the code",
    ),
    ("incompatible", "the two licenses cannot both be met", "remove or rewrite the code"),
    ("flagged", "the policy asks for a review", "have it reviewed"),
    ("restricted", "the policy restricts this license", "follow the policy, or replace the code"),
    ("denied", "the policy denies this license", "remove the code"),
)


def help_markdown(verdict: Verdict) -> str:
    """The rule's help in Markdown: what it means, what to do, the license verdicts."""
    _, short, means, todo = RULE_TEXT[verdict]
    rows = [f"| `{v}` | {meaning} | {what} |" for v, meaning, what in LICENSE_VERDICTS]
    return "\n".join(
        [
            f"## {short}",
            "",
            means,
            "",
            f"**What to do:** {todo}",
            "",
            LEVELS_TEXT,
            "",
            "| License verdict | Meaning | What to do |",
            "|---|---|---|",
            *rows,
            "",
            "The result's properties carry the verdict (`licenseVerdict`), why (`licenseReason`), "
            "the obligations, the notice to add, and whether it fails the run (`fails`).",
        ]
    )


def rule(verdict: Verdict) -> dict[str, Any]:
    """The reporting descriptor of one verdict."""
    name, short, means, todo = RULE_TEXT[verdict]
    return {
        "id": verdict.value,
        "name": name,
        "shortDescription": {"text": short},
        "fullDescription": {"text": means},
        "help": {
            "text": f"{means} What to do: {todo} {LEVELS_TEXT}",
            "markdown": help_markdown(verdict),
        },
        "defaultConfiguration": {"level": DEFAULT_LEVELS[verdict]},
        "properties": {"tags": ["license", "open-source"]},
    }
