"""License names: normalize declared metadata strings to SPDX, and recognize license file texts.

``normalize_license`` maps what packages declare (SPDX ids and expressions, trove classifiers,
free-form names such as "Apache 2.0" or "GPLv2+") to an SPDX expression, or None when the string
is unknown or ambiguous ("BSD", "GPL" without a version); with ``families=True`` a BSD of no
variant is ``LicenseRef-BSD-unknown-variant``, which ``families.refine`` replaces when a license
text says the variant.

``detect_license_text`` recognizes a license file by distinctive phrases of the common licenses.
Choices worth knowing:

* GNU licenses: a full FSF text alone means the version it is (``GPL-2.0-only``); ``-or-later``
  is returned only when a notice outside the text's own "How to Apply" appendix says "version N
  ... or (at your option) any later version". A LGPL text concatenated with the GPL text it
  builds on (as LGPL-3.0 files usually are) is LGPL.
* A file holding several licenses is an ``OR`` expression only when it says so (a dual-license
  statement naming the licenses); otherwise the licenses whose texts come before the file turns
  to bundled third-party components join with ``AND``.

``file_license`` gives a source file's license: its ``SPDX-License-Identifier:`` line, else every
statement of its header (``ipscan.licensing.headers``), notices among its code and the legal
comments of libraries it bundles, with its package's license filling in what they leave open.
"""

from __future__ import annotations

from ipscan.licensing.names import normalize_license
from ipscan.licensing.notices import file_license
from ipscan.licensing.notices import spdx_identifier_in
from ipscan.licensing.spdx import SPDX_IDS
from ipscan.licensing.texts import detect_license_text

__all__ = [
    "SPDX_IDS",
    "detect_license_text",
    "file_license",
    "normalize_license",
    "spdx_identifier_in",
]
