"""The values that flow through the pipeline.

``discover`` turns a prefix into a :class:`PrefixState` (what is on disk, as
read); ``graph`` joins it into nodes and edges; ``check`` turns both into
:class:`Finding` values.  Everything here is immutable: stages return new
values and never change what they were given.

Names of Python distributions are PEP 503 normalized once, when they are
read (:func:`packaging.utils.canonicalize_name`).  Paths inside the prefix
are kept as prefix-relative POSIX strings (``lib/python3.11/site-packages/x``)
because that is how conda records them and how two owners of one file are
compared.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import NormalizedName
from packaging.version import InvalidVersion, Version

__all__ = [
    "CONDA_INSTALLERS",
    "SUBDIR_MACHINES",
    "CondaPath",
    "CondaRecord",
    "Depth",
    "DirectUrl",
    "DistKind",
    "EdgeKind",
    "EnvManager",
    "FileCheck",
    "Finding",
    "HistoryRevision",
    "InstalledDist",
    "PipSettings",
    "PrefixState",
    "PythonInfo",
    "ReadProblem",
    "Severity",
    "SitePackages",
    "StrEnum",
    "at_or_above",
    "fail_threshold",
    "parse_version",
    "severity_counts",
]


def parse_version(text: str | None) -> Version | None:
    """``text`` as a PEP 440 version, or None when it is empty or not one
    (conda versions and hand-edited metadata are not always PEP 440)."""
    if not text:
        return None
    try:
        return Version(text)
    except InvalidVersion:
        return None


class StrEnum(str, enum.Enum):
    """An enum whose members are their string values: they compare equal to,
    hash like, format and JSON-encode as that string, so a field that becomes
    one leaves every output unchanged.

    ``enum.StrEnum`` is Python 3.11+; from 3.11 a plain ``(str, Enum)`` formats
    as ``Class.MEMBER`` in f-strings, hence ``__str__`` and ``__format__``.
    """

    def __str__(self) -> str:
        return str.__str__(self)

    def __format__(self, spec: str) -> str:
        return str.__format__(str.__str__(self), spec)


class Severity(enum.IntEnum):
    """How bad a finding is; ordered so that ``>=`` means "at least as bad"."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def from_label(cls, label: str) -> Severity:
        return cls[label.upper()]


def fail_threshold(fail_on: str) -> Severity | None:
    """The least severity that fails a run with ``--fail-on fail_on``
    (``error``, ``warning``, ``info``), or None for ``never``."""
    return None if fail_on == "never" else Severity.from_label(fail_on)


class Depth(enum.Enum):
    """How much of the prefix an audit reads.

    ``QUICK`` reads metadata and ownership only; ``DEFAULT`` also checks that
    every file a conda record lists is present with its recorded size;
    ``DEEP`` adds the sha256 of each of those files.
    """

    QUICK = "quick"
    DEFAULT = "default"
    DEEP = "deep"


class EdgeKind(StrEnum):
    """What one package's requirement of another is (an edge of the graph)."""

    DEPENDS = "depends"  # a conda record's ``depends`` MatchSpec
    CONSTRAINS = "constrains"  # a conda record's ``constrains``: binds only if installed
    REQUIRES = "requires"  # a distribution's ``Requires-Dist`` (PEP 508)


# --------------------------------------------------------------------------
# conda side


class CondaPath(NamedTuple):
    """One file a conda record lists (``paths_data.paths[]`` or ``files``).

    A NamedTuple rather than a dataclass: a large env has tens of thousands.
    """

    path: str
    path_type: str | None = None  # hardlink, softlink, directory, pyc_file, ...
    size: int | None = None  # size_in_bytes, when the writer recorded it
    sha256: str | None = None
    placeholder: bool = False  # prefix_placeholder: content rewritten at link time
    original_path: str | None = None  # rattler: the path before a clobber rename
    # sha256_in_prefix: the installed file's sha256, kept only when it differs
    # from sha256 (the file was rewritten at link time).  Placeholder files
    # have it; so do files mamba 2, micromamba and constructor rewrite
    # without a prefix_placeholder key, whose size_in_bytes is the package's.
    sha256_in_prefix: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class CondaRecord:
    """One ``conda-meta/<name>-<version>-<build>.json`` as written by conda,
    mamba, micromamba or rattler (pixi).  Only fields reconcile uses are kept,
    unknown ones are ignored."""

    name: str
    version: str
    build: str
    build_number: int = 0
    channel: str | None = None
    subdir: str | None = None
    noarch: str | None = None
    depends: tuple[str, ...] = ()
    constrains: tuple[str, ...] = ()
    paths: tuple[CondaPath, ...] = ()
    has_paths_data: bool = False
    requested_specs: tuple[str, ...] = ()
    python_site_packages_path: str | None = None
    url: str | None = None
    source: str = ""  # prefix-relative path of the json file
    in_package_cache: bool = False  # its extracted folder or archive is still on disk
    # Where the package itself can be had again (reconcile.sources looks there).
    fn: str | None = None  # the archive's file name
    sha256: str | None = None
    md5: str | None = None
    extracted_package_dir: str | None = None
    package_tarball_full_path: str | None = None

    def match_spec(self) -> str:
        """The exact MatchSpec of this record, channel included when known."""
        from .channels import channel_name

        channel = channel_name(self.channel)
        head = f"{channel}::" if channel else ""
        return f"{head}{self.name}=={self.version}={self.build}"

    @property
    def dist_str(self) -> str:
        return f"{self.name}-{self.version}-{self.build}"


@dataclass(frozen=True, kw_only=True, slots=True)
class HistoryRevision:
    """One ``==> date <==`` block of ``conda-meta/history``."""

    date: str
    command: str | None = None
    tool_version: str | None = None
    update_specs: tuple[str, ...] = ()
    remove_specs: tuple[str, ...] = ()
    neutered_specs: tuple[str, ...] = ()
    added: tuple[str, ...] = ()  # "+channel::name-version-build"
    removed: tuple[str, ...] = ()


# --------------------------------------------------------------------------
# pip side


@dataclass(frozen=True, kw_only=True, slots=True)
class DirectUrl:
    """PEP 610 ``direct_url.json``, reduced to what an audit reports."""

    url: str
    editable: bool = False
    vcs: str | None = None
    commit_id: str | None = None
    requested_revision: str | None = None
    archive_hash: str | None = None
    archive: bool = False  # an ``archive_info`` key, even an empty one
    subdirectory: str | None = None

    @property
    def conda_build(self) -> bool:
        """The folder conda-build or rattler-build ran ``pip install .`` in,
        on the machine that built a conda package: the package's own
        dist-info carries it, and the folder exists only there."""
        from .channels import conda_build_url

        return self.vcs is None and conda_build_url(self.url)

    @property
    def is_local_dir(self) -> bool:
        """A folder on this machine (PEP 610 ``dir_info``) that a user
        installed from.  An ``archive_info`` without a hash is still an
        archive: pip before 20.1 and Poetry write ``"archive_info": {}`` for a
        wheel or sdist file.  A conda package's build folder is not one, even
        when the package's record is unreadable or another copy shadows it."""
        return (
            self.url.startswith("file:")
            and self.vcs is None
            and not self.archive
            and self.archive_hash is None
            and not self.conda_build
        )


#: INSTALLER values (PEP 376) of conda's own dist-infos: conda's, and
#: whl2conda's for conda packages made from wheels.
CONDA_INSTALLERS = frozenset({"conda", "whl2conda"})


class DistKind(StrEnum):
    """What a distribution's metadata is on disk."""

    DIST_INFO = "dist-info"  # PEP 376/627 ``*.dist-info`` folder (pip, uv, conda)
    EGG_INFO = "egg-info"  # setuptools ``*.egg-info`` folder
    EGG_INFO_FILE = "egg-info-file"  # a single ``*.egg-info`` PKG-INFO file (distutils)
    EGG_LINK = "egg-link"  # ``setup.py develop``: a pointer to the source folder


@dataclass(frozen=True, kw_only=True, slots=True)
class InstalledDist:
    """A distribution's metadata folder or file in one site-packages.

    ``path`` is prefix-relative when the folder is inside the prefix (the
    normal case), absolute otherwise (a user site, an egg-link target).
    """

    name: NormalizedName
    raw_name: str
    version: Version | None
    version_text: str
    path: str
    kind: DistKind
    installer: str | None = None
    installer_size: int | None = None
    requested: bool = False
    requires: tuple[Requirement, ...] = ()
    requires_python: SpecifierSet | None = None
    extras: tuple[str, ...] = ()
    direct_url: DirectUrl | None = None
    record: tuple[str, ...] = ()  # prefix-relative paths from RECORD, inside the prefix
    record_size: int | None = None  # bytes of the RECORD file itself
    has_record: bool = False
    members: tuple[str, ...] = ()  # entry names inside the metadata folder
    mtime: float = 0.0
    editable_target: str | None = None  # egg-link target or a local install's folder
    target_exists: bool = False  # whether that folder exists (read by discover)
    # The ``Tag:`` lines of the dist-info's WHEEL file (PEP 425 tags, as
    # written), read for dists no conda record installed (see discover).
    wheel_tags: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True, slots=True)
class SitePackages:
    """The distributions found in one site-packages directory."""

    path: str  # prefix-relative when inside the prefix, else absolute
    dists: tuple[InstalledDist, ...] = ()
    editable_paths: tuple[str, ...] = ()  # lines of easy-install.pth / __editable__*.pth
    # Where the folder really is (os.path.realpath, absolute), and whether a
    # symbolic link inside the prefix leads to it (conda-forge's
    # lib/python3.1 -> python3.1X): set by discover, read by the plan, which
    # never deletes through a link.
    real_path: str = ""
    via_link: bool = False


# --------------------------------------------------------------------------
# the environment


_MARKER_PLATFORMS: Mapping[str, tuple[str, str, str, str]] = {
    # conda subdir prefix -> (sys_platform, platform_system, os_name, default machine)
    "linux": ("linux", "Linux", "posix", "x86_64"),
    "osx": ("darwin", "Darwin", "posix", "x86_64"),
    "win": ("win32", "Windows", "nt", "AMD64"),
    "emscripten": ("emscripten", "Emscripten", "posix", "wasm32"),
    "wasi": ("wasi", "WASI", "posix", "wasm32"),
}
#: conda subdir -> ``platform.machine()`` of that platform (PEP 508 marker value).
SUBDIR_MACHINES: Mapping[str, str] = {
    "linux-64": "x86_64",
    "linux-32": "i686",
    "linux-aarch64": "aarch64",
    "linux-ppc64le": "ppc64le",
    "linux-s390x": "s390x",
    "linux-armv7l": "armv7l",
    "osx-64": "x86_64",
    "osx-arm64": "arm64",
    "win-64": "AMD64",
    "win-32": "x86",
    "win-arm64": "ARM64",
}


@dataclass(frozen=True, kw_only=True, slots=True)
class PythonInfo:
    """The target environment's Python, not reconcile's own interpreter."""

    version: Version
    site_packages: str  # prefix-relative
    platform: str  # conda subdir, e.g. "linux-64"
    source: str  # where the version came from, for the report
    implementation: str = "cpython"
    free_threaded: bool = False  # a CPython 3.13+ build without the GIL (ABI ``cp313t``)
    venv: bool = False
    include_system_site_packages: bool = True

    @property
    def short(self) -> str:
        return f"{self.version.major}.{self.version.minor}"

    def marker_environment(self) -> dict[str, str]:
        """PEP 508 marker values for this env's Python and platform."""
        family = self.platform.split("-", 1)[0]
        sys_platform, system, os_name, machine = _MARKER_PLATFORMS.get(
            family, _MARKER_PLATFORMS["linux"]
        )
        impl = self.implementation
        return {
            "implementation_name": impl,
            "implementation_version": str(self.version),
            "os_name": os_name,
            "platform_machine": SUBDIR_MACHINES.get(self.platform, machine),
            "platform_python_implementation": "PyPy" if impl == "pypy" else "CPython",
            "platform_release": "",
            "platform_system": system,
            "platform_version": "",
            "python_full_version": str(self.version),
            "python_version": self.short,
            "sys_platform": sys_platform,
            "extra": "",
        }


@dataclass(frozen=True, kw_only=True, slots=True)
class FileCheck:
    """How the files conda records list compare with the disk.

    Only the differences are kept: a healthy env of 50,000 files yields two
    empty collections.  ``altered`` maps a path to what differs.
    """

    checked: int = 0
    missing: frozenset[str] = frozenset()
    altered: Mapping[str, str] = field(default_factory=dict)
    # Files hashed at the default depth because their record gives the
    # package's size, not theirs (rewritten for the prefix, see CondaPath).
    hashed: int = 0


@dataclass(frozen=True, kw_only=True, slots=True)
class ReadProblem:
    """Something discovery could not read; ``check`` reports it as a finding.

    ``code`` is the finding code it becomes (``invalid-record``,
    ``stale-dist-info``, ``legacy-metadata`` or ``record-outside-prefix``);
    ``field`` names the metadata field a ``legacy-metadata`` is about;
    ``debris`` marks a metadata folder that holds no distribution (no
    METADATA: what an interrupted or partial ``pip uninstall`` left), which
    nothing reads and removing changes nothing else.
    """

    code: str
    package: str
    path: str
    reason: str
    severity: Severity = Severity.ERROR
    field: str | None = None
    debris: bool = False


@dataclass(frozen=True, kw_only=True, slots=True)
class EnvManager:
    """A tool that owns the whole env and recreates it from its own files.

    pixi (0.2x and later) writes ``conda-meta/pixi``, a JSON object with
    ``manifest_path``, ``environment_name``, ``pixi_version`` and, since
    0.3x, ``environment_lock_file_hash``.  Repairs in such an env go through
    the manager (``pixi install``), not through hand-made conda commands.
    """

    name: str  # "pixi"
    source: str  # prefix-relative path of the marker file
    version: str | None = None
    manifest_path: str | None = None
    environment_name: str | None = None

    def describe(self) -> str:
        """``pixi 0.39.0 (environment default of /p/pyproject.toml)``."""
        head = f"{self.name} {self.version}" if self.version else self.name
        where = [
            f"environment {self.environment_name}" if self.environment_name else "",
            f"of {self.manifest_path}" if self.manifest_path else "",
        ]
        detail = " ".join(w for w in where if w)
        return f"{head} ({detail})" if detail else head


@dataclass(frozen=True, kw_only=True, slots=True)
class PipSettings:
    """The env's own pip configuration file (pip's "site" file,
    ``PREFIX/pip.conf``), raw: every key of its ``[global]`` then
    ``[install]`` section, ``_`` spelled ``-``, unknown keys too, in file
    order (a later pair wins).  :func:`reconcile.resolve.pip_config.pip_config`
    layers it with the user's configuration."""

    source: str  # prefix-relative path of the file
    values: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, kw_only=True, slots=True)
class PrefixState:
    """Everything discovery read from one prefix, and nothing more."""

    prefix: Path
    depth: Depth
    records: tuple[CondaRecord, ...] = ()
    history: tuple[HistoryRevision, ...] = ()
    python: PythonInfo | None = None
    site_packages: SitePackages | None = None
    other_site_packages: tuple[SitePackages, ...] = ()
    user_site: SitePackages | None = None
    user_site_visible: bool = False
    files: FileCheck = field(default_factory=FileCheck)
    problems: tuple[ReadProblem, ...] = ()
    manager: EnvManager | None = None  # pixi, when conda-meta/pixi says so
    pins: tuple[str, ...] = ()  # conda-meta/pinned, one MatchSpec each (see reconcile.pins)
    pip_conf: PipSettings | None = None  # PREFIX/pip.conf, when there is a readable one

    def dist_at(self, path: str) -> InstalledDist | None:
        """The distribution whose metadata folder (or file) is ``path``, in
        any site-packages read: the env's, another Python's, the user site."""
        for site in (self.site_packages, *self.other_site_packages, self.user_site):
            if site is not None and (path == site.path or path.startswith(site.path + "/")):
                for dist in site.dists:
                    if dist.path == path or path.endswith("/" + dist.path.rsplit("/", 1)[-1]):
                        return dist
        return None


# --------------------------------------------------------------------------
# findings


@dataclass(frozen=True, kw_only=True, slots=True)
class Finding:
    """One problem, in a form people and machines both read.

    ``code`` is the stable contract (documented in the README); ``message``
    is one line for a person; ``evidence`` holds the paths, versions and
    specs that prove it.
    """

    code: str
    severity: Severity
    package: str
    message: str
    evidence: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)
    #: The one command that fixes this finding alone, right and safe where it
    #: is given ("consider removing it: rm -r '/env/lib/.../x.dist-info'"), for
    #: a person: the text report shows it; the JSON and CI formats do not.
    hint: str | None = field(default=None, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity.label,
            "package": self.package,
            "message": self.message,
            "evidence": dict(self.evidence),
        }

    # -- the evidence, typed ------------------------------------------------
    # ``evidence`` is what the JSON schemas carry, key for key.  The keys other
    # stages act on (the plan, the baseline's fingerprint, the CI and lint
    # renderers) are read through these, each as the one type check and lint
    # write it: None (or empty) when the finding does not carry it.

    def _text(self, key: str) -> str | None:
        value = self.evidence.get(key)
        return value if isinstance(value, str) else None

    def _texts(self, key: str) -> tuple[str, ...]:
        value = self.evidence.get(key)
        if not isinstance(value, (list, tuple)):
            return ()
        return tuple(v for v in value if isinstance(v, str))

    @property
    def path(self) -> str | None:
        """The one file or folder the finding is about (prefix-relative, or
        absolute outside the prefix)."""
        return self._text("path")

    @property
    def paths(self) -> tuple[str, ...]:
        """The files it is about: the first few of a clobber or of the missing
        or altered files, the copies of a duplicate, the records of a name."""
        return self._texts("paths")

    @property
    def missing(self) -> tuple[str, ...]:
        """Every file of a ``missing-file`` finding's record that is gone
        (``paths`` has the first few), for ``audit -v``."""
        return self._texts("missing")

    @property
    def altered(self) -> Mapping[str, str]:
        """Every file of an ``altered-file`` finding -> what differs ("size 10,
        recorded 12", "sha256 differs from the record"), for ``audit -v``."""
        value = self.evidence.get("altered")
        if not isinstance(value, Mapping):
            return {}
        return {k: v for k, v in value.items() if isinstance(k, str) and isinstance(v, str)}

    @property
    def owners(self) -> tuple[str, ...]:
        """A clobber's owners (node keys, or a conda record's name)."""
        return self._texts("owners")

    @property
    def conda_record(self) -> str | None:
        """The ``conda-meta/*.json`` the finding is about (prefix-relative)."""
        return self._text("conda_record")

    @property
    def installed_dist(self) -> str | None:
        """The metadata folder installed over conda's (pip-overwrote-conda)."""
        return self._text("installed_dist")

    @property
    def effective(self) -> str | None:
        """Of a duplicate's copies, the one Python reads (written last)."""
        return self._text("effective")

    @property
    def renamed(self) -> str | None:
        """The path rattler renamed a clobbered file to."""
        return self._text("renamed")

    @property
    def site_packages(self) -> str | None:
        """The other Python's site-packages an orphaned distribution is in."""
        return self._text("site_packages")

    @property
    def spec(self) -> str | None:
        """The conda MatchSpec (``depends`` or ``constrains``) that is not met."""
        return self._text("spec")

    @property
    def kind(self) -> str | None:
        """A dependency finding's edge kind (``depends``, ``constrains``;
        compare with :class:`EdgeKind`), or how an editable install was made."""
        return self._text("kind")

    @property
    def requirement(self) -> str | None:
        """The ``Requires-Dist`` (PEP 508) that is not met."""
        return self._text("requirement")

    @property
    def pin(self) -> str | None:
        """The ``conda-meta/pinned`` line an installed version is outside of."""
        return self._text("pin")

    @property
    def metadata_field(self) -> str | None:
        """The metadata field a ``legacy-metadata`` finding is about."""
        return self._text("field")

    @property
    def file(self) -> str | None:
        """The file a finding of a file (lint's environment.yml) is in, as given."""
        return self._text("file")

    @property
    def line(self) -> int | None:
        """Its 1-based line in :attr:`file`."""
        value = self.evidence.get("line")
        return value if isinstance(value, int) and not isinstance(value, bool) else None


def severity_counts(findings: Iterable[Finding]) -> dict[str, int]:
    """How many findings of each severity, by label, worst first, every label
    present: the one count every summary line, JSON ``summary`` and fleet row
    shows."""
    counts = Counter(f.severity for f in findings)
    return {s.label: counts.get(s, 0) for s in sorted(Severity, reverse=True)}


def at_or_above(findings: Iterable[Finding], fail_on: str) -> tuple[Finding, ...]:
    """The findings at or above ``fail_on`` (none for ``never``): those that
    fail a run (:func:`reconcile.exits.exit_code`)."""
    threshold = fail_threshold(fail_on)
    if threshold is None:
        return ()
    return tuple(f for f in findings if f.severity >= threshold)
