"""Which versions of pip's packages fit around conda's: resolvelib behind one
provider, and the candidate sources it reads.

Each module one job:

- :mod:`.provider`: the one resolvelib provider, the reporter and
  :func:`resolve` (the interface is documented there);
- :mod:`.values`: the values the provider and the sources exchange
  (:class:`Fixed`, :class:`Candidate`, :class:`Artifact`,
  :class:`LazyCandidates`, the :class:`CandidateSource` protocol);
- :mod:`.errors`: :class:`SourceUnavailable`, and :class:`ResolutionFailed`
  with its causes as data (:class:`Cause`, :class:`Conflict`);
- :mod:`.candidates`: what is installed (:class:`InstalledSource`), folders
  of wheels and sdists (:class:`FindLinksSource`: pip's ``--find-links``,
  pip's wheel cache), :class:`ChainSource`, and :func:`default_source`,
  the chain the CLI's ``--offline`` / ``--find-links`` / ``--index-url``
  options describe;
- :mod:`.index`: a PEP 503 / PEP 691 simple index (:class:`IndexSource`),
  reading PEP 658 / PEP 714 ``.metadata`` files so that wheels are not
  downloaded, with responses cached on disk;
- :mod:`.artifacts`: a wheel's or an sdist's metadata, read from the file,
  never by building;
- :mod:`.pip_config`: what ``pip install`` in the env would use for its
  index and cache (the user's pip configuration around the env's own);
- :mod:`.tags`: the wheel tags the target env accepts (:func:`target_tags`).

Only plan, export and fix import this package; the audit never does.
"""

from __future__ import annotations

from .candidates import ChainSource, FindLinksSource, InstalledSource, default_source
from .errors import Cause, Conflict, ResolutionFailed, SourceUnavailable
from .index import PYPI_SIMPLE, IndexSource
from .provider import ReconcileProvider, resolve, verbose_reporter
from .tags import target_tags
from .values import Artifact, Candidate, CandidateSource, Fixed, LazyCandidates, where

__all__ = [
    "PYPI_SIMPLE",
    "Artifact",
    "Candidate",
    "CandidateSource",
    "Cause",
    "ChainSource",
    "Conflict",
    "FindLinksSource",
    "Fixed",
    "IndexSource",
    "InstalledSource",
    "LazyCandidates",
    "ReconcileProvider",
    "ResolutionFailed",
    "SourceUnavailable",
    "default_source",
    "resolve",
    "target_tags",
    "verbose_reporter",
    "where",
]
