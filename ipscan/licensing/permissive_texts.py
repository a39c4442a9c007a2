"""The phrases that tell the common permissive and weak-copyleft license texts apart, as a
table ``ipscan.licensing.texts`` walks in order.

Phrases are in normalized words (``texts.normalized_words``: lowercase, punctuation dropped).
A row can name a variant told apart by one more phrase (MIT without its notice condition is
MIT-0), and a phrase that, just before the text, makes it another license's (CNRI's agreement
shares the PSF's form).
"""

from __future__ import annotations

from typing import NamedTuple


class Variant(NamedTuple):
    """Another id for a text when one more phrase occurs: anywhere, or (``before``) ahead of
    the text's own phrase."""

    phrase: str
    spdx: str
    before: bool = False


class LicenseText(NamedTuple):
    """A license text known by its phrases, found at the first one's position."""

    spdx: str
    phrases: tuple[str, ...]
    every: bool = False  # every phrase must occur (else any one of them)
    variant: Variant | None = None
    unless_near: str = ""  # a phrase that, just before the text, makes it another license's


NEAR = 300  # normalized characters before a text that ``unless_near`` looks at

# In the order they are tried. A grant keeps the notice (MIT, ISC) or waives it (MIT-0, 0BSD).
PERMISSIVE_TEXTS = (
    LicenseText(
        "MIT-0",
        (
            "permission is hereby granted free of charge to any person obtaining a copy of this "
            "software",
        ),
        variant=Variant("the above copyright notice and this permission notice", "MIT"),
    ),
    LicenseText(
        "0BSD",
        (
            "permission to use copy modify and or distribute this software for any purpose with "
            "or without fee is hereby granted",
            "permission to use copy modify and distribute this software for any purpose with or "
            "without fee is hereby granted",
        ),
        variant=Variant(
            "provided that the above copyright notice and this permission notice appear in all "
            "copies",
            "ISC",
        ),
    ),
    LicenseText(
        "Zlib",
        (
            "permission is granted to anyone to use this software for any purpose including "
            "commercial applications and to alter it and redistribute it freely",
            "the origin of this software must not be misrepresented",
        ),
        every=True,
    ),
    LicenseText(
        "Apache-2.0",
        (
            "apache license version 2 0 january 2004",
            "licensed under the apache license version 2 0",
        ),
    ),
    LicenseText("Apache-1.1", ("the apache software license version 1 1",)),
    LicenseText(
        "MPL-2.0",
        (
            "mozilla public license version 2 0",
            "subject to the terms of the mozilla public license v 2 0",
        ),
    ),
    LicenseText("MPL-1.1", ("mozilla public license version 1 1",)),
    LicenseText("EPL-2.0", ("eclipse public license v 2 0", "eclipse public license version 2 0")),
    LicenseText("EPL-1.0", ("eclipse public license v 1 0", "eclipse public license version 1 0")),
    LicenseText(
        "Unlicense", ("is free and unencumbered software released into the public domain",)
    ),
    LicenseText("CC0-1.0", ("cc0 1 0 universal",)),
    LicenseText(
        "PSF-2.0",
        (
            "python software foundation license version 2",
            "psf license agreement for python",
            "this license agreement is between the python software foundation",
        ),
    ),
    # The PSF's agreement with another licensor's name (matplotlib's): "This LICENSE
    # AGREEMENT is between <licensor>, and the Individual or Organization ("Licensee")
    # accessing and otherwise using <software>". CNRI's and BeOpen's agreements in the Python
    # license stack share the form; CNRI's alone is its own license.
    LicenseText(
        "PSF-2.0",
        ("and the individual or organization licensee accessing and otherwise",),
        unless_near="cnri",
    ),
    LicenseText("BSL-1.0", ("boost software license version 1 0",)),
    LicenseText(
        "CNRI-Python", ("cnri license agreement for python 1 6", "cnri s python 1 6 license")
    ),
    LicenseText("AFL-2.1", ("academic free license version 2 1", "academic free license v2 1")),
    LicenseText(
        "TCL",
        (
            "the authors hereby grant permission to use copy modify distribute and license this "
            "software and its documentation for any purpose",
        ),
    ),
    LicenseText(
        "HPND-Markus-Kuhn",
        (
            "permission to use copy modify and distribute this software for any purpose and "
            "without fee is hereby granted the author disclaims all warranties with regard to "
            "this software",
        ),
    ),
    # Perl's Artistic License carries the "aggregation with a commercial distribution" clause
    # the OSI's Artistic-1.0 text lacks.
    LicenseText(
        "Artistic-1.0",
        ("the intent of this document is to state the conditions under which a package may",),
        variant=Variant(
            "aggregation of this package with a commercial distribution", "Artistic-1.0-Perl"
        ),
    ),
    LicenseText("BlueOak-1.0.0", ("blue oak model license", "version 1 0 0"), every=True),
    LicenseText("ZPL-2.1", ("zope public license zpl version 2 1",)),
    LicenseText("ZPL-2.0", ("zope public license zpl version 2 0",)),
    LicenseText(
        "HPND",
        (
            "permission to use copy modify and distribute this software and its documentation "
            "for any purpose and without fee is hereby granted",
            "permission to use copy modify and distribute this software and its associated "
            "documentation for any purpose and without fee is hereby granted",
        ),
        variant=Variant(
            "by obtaining using and or copying this software and or its associated",
            "MIT-CMU",
            before=True,
        ),
    ),
    LicenseText("WTFPL", ("do what the fuck you want to public license",)),
)
