"""What a dataset sample is to the audit, and the language it is checked in."""

from __future__ import annotations

from dataclasses import dataclass

from ipscan.extract.languages import LANGUAGES
from ipscan.extract.languages import has_extension
from ipscan.extract.languages import language_for_file
from ipscan.extract.languages import language_for_path

# Language names as datasets spell them (The Stack, GitHub linguist, file extensions) that are
# not ipscan's own names.
ALIASES = {
    "c++": "cpp",
    "cc": "cpp",
    "cxx": "cpp",
    "js": "javascript",
    "jsx": "javascript",
    "node": "javascript",
    "ts": "typescript",
    "py": "python",
    "python3": "python",
    "golang": "go",
    "rs": "rust",
    "h": "c",
}


@dataclass(frozen=True)
class Fields:
    """Which record fields hold a sample's code, language and id."""

    content: str = "content"
    language: str = "lang"
    id: str = "id"


@dataclass(frozen=True)
class Sample:
    """One sample: its position in the dataset (from 0), an id to report it by, its code (any
    JSON value as read; only a string is checked), its declared language, and a file name
    whose extension may give the language."""

    index: int
    id: str
    content: object
    language: str | None = None
    name: str | None = None


def sample_id(value: object, index: int) -> str:
    """The id a sample is reported by: its id field as text, else its position."""
    if value is None:
        return str(index)
    return value if isinstance(value, str) else str(value)


def declared_language(sample: Sample) -> tuple[str | None, str]:
    """The ipscan language of ``sample`` from its language field, else its name's extension,
    else its id's; (None, "") when nothing names one (its language is then guessed), (None,
    reason) when the sample names a language ipscan does not parse."""
    if sample.language:
        name = sample.language.strip().lower()
        name = ALIASES.get(name, name)
        if name in LANGUAGES:
            return name, ""
        spec = language_for_path("x." + name)
        if spec is not None:
            return spec.name, ""
        return None, f"unsupported language {sample.language!r}"
    code = (
        sample.content.encode("utf-8", "surrogatepass") if isinstance(sample.content, str) else b""
    )
    if sample.name:
        spec = language_for_file(sample.name, code)
        if spec is not None:
            return spec.name, ""
        if has_extension(sample.name):  # a README.md in a folder of sources
            return None, "unsupported file type"
    spec = language_for_file(sample.id, code) if has_extension(sample.id) else None
    return (spec.name if spec is not None else None), ""
