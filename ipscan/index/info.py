"""`ipscan index info`: what an index holds, as a dict and as text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ipscan.extract.raw_fingerprint import RAW_SCHEME
from ipscan.index.manifest import has_line_channel
from ipscan.index.manifest import has_tiny_files
from ipscan.index.open import open_index
from ipscan.index.reader import IndexReader

_OLDER_SCHEME = " (older: scans read it; rebuild it to add sources)"


def describe_index(index_dir: Path | None) -> dict[str, Any]:
    """Manifest facts and the list of sources of an index (the default one when None)."""
    with open_index(index_dir) as reader:
        return _describe(reader)


def _describe(reader: IndexReader) -> dict[str, Any]:
    m = reader.manifest
    first = reader.segments[0].manifest
    folders = {seg.gen_dir for seg in reader.segments} | {reader.gen_dir}
    size = sum(p.stat().st_size for f in folders for p in f.iterdir() if p.is_file())
    return {
        "path": str(reader.index_dir),
        "format": f"{m.get('format')}/{m.get('format_version')}",
        "segments": len(reader.segments),
        "created": m.get("created"),
        "ipscan_version": m.get("ipscan_version"),
        "encoder": reader.encoder_info,
        "fingerprints": first.get("fingerprints"),
        "raw_scheme": reader.raw_scheme,
        "line_sketches": all(has_line_channel(seg.manifest) for seg in reader.segments),
        "tiny_files": all(has_tiny_files(seg.manifest) for seg in reader.segments),
        "counts": reader.counts,
        "size_bytes": size,
        "sources": [
            {k: s.get(k) for k in ("name", "version", "license", "kind", "units")}
            for s in reader.sources
        ],
    }


def render_info(info: dict[str, Any]) -> str:
    """Human-readable lines."""
    counts = info.get("counts") or {}
    enc = info.get("encoder") or {}
    lines = [
        f"index:    {info['path']} ({info['format']}, {info.get('segments', 1)} segment(s), "
        f"{info['size_bytes'] / 1e6:.1f} MB)",
        f"created:  {info['created']} by ipscan {info['ipscan_version']}",
        f"encoder:  {enc.get('id')} (weights {str(enc.get('weights_sha256'))[:12]}, "
        f"dim {enc.get('dim')})",
        "counts:   " + ", ".join(f"{v} {k}" for k, v in counts.items()),
        f"raw-token scheme: {info.get('raw_scheme')}"
        + ("" if info.get("raw_scheme") == RAW_SCHEME else _OLDER_SCHEME),
        "small files' line sketches: "
        + ("yes" if info.get("line_sketches") else "no (older: rebuild it to find them patched)"),
        "tiny files' digests: "
        + (
            "yes"
            if info.get("tiny_files")
            else "no (older: rebuild it to claim them beside copies)"
        ),
        f"sources ({len(info['sources'])}):",
    ]
    for s in info["sources"]:
        lines.append(f"  {s['name']} {s['version']}  {s['license']}  {s['units']} units")
    return "\n".join(lines)


def render_markdown(info: dict[str, Any]) -> str:
    """A Markdown table of the sources (used for docs/default-index.md)."""
    counts = info.get("counts") or {}
    enc = info.get("encoder") or {}
    lines = [
        "| Package | Version | License (SPDX) | Units |",
        "|---|---|---|---:|",
        *(
            f"| {s['name']} | {s['version']} | {s['license']} | {s['units']} |"
            for s in info["sources"]
        ),
        "",
        f"{counts.get('units')} units in {counts.get('files')} files of "
        f"{counts.get('sources')} packages; {counts.get('postings')} fingerprints; "
        f"{info['size_bytes'] / 1e6:.1f} MB on disk; encoder {enc.get('id')} "
        f"(weights sha256 {str(enc.get('weights_sha256'))[:12]}…).",
    ]
    return "\n".join(lines)
