"""Lint an ``environment.yml`` before any environment exists.

``audit`` finds what pip did to a conda env; ``lint`` finds, in the file
that will create one, the lines that set it up: a package both conda and pip
install, a pip line that replaces conda's copy, a pip section that nothing
stops from replacing conda's Python packages, VCS URLs that install whatever
a branch points to today, a pip section without conda's ``pip``, and
credentials written into URLs.

What conda does with the file (conda/env/installers/pip.py): it solves and
installs the ``dependencies`` strings, then writes the ``pip:`` lines to a
temporary requirements file in the yml's folder and runs
``pip install -U -r <that file>``.  ``-U`` matters: every package pip names
is upgraded to the newest version pip's specifier allows, so a package named
on both sides is replaced unless both sides pin the same version; and a
dependency of a pip package is replaced whenever it needs another version
than conda's, unless a ``-c`` constraints file pins conda's version.

:func:`lint` takes a validated :class:`~reconcile.envfile.EnvFile` (the
parser keeps every line number) and returns
:class:`~reconcile.models.Finding` values whose evidence carries
``file`` and ``line`` (the file is the included ``-r``/``-c`` file when the
line is there).  Codes and default severities are in :data:`LINT`.
Messages and evidence never carry a credential: URLs go through
:func:`~reconcile.urls.redact_url`, and what counts as a credential is
:func:`~reconcile.urls.url_secrets`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from packaging.specifiers import SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name

from ._conda import InvalidSpec, spec_build, spec_matches, validate_spec
from .channels import channel_name
from .envfile import CONDA_KEYS, CondaDep, EnvFile, InvalidEnvFile
from .models import Finding, Severity, parse_version
from .names import NameMap
from .requirements import PipEntry, PipKind
from .urls import redact_text, redact_url, url_secrets, urls_in

__all__ = ["LINT", "lint", "load_for_lint"]

#: Every lint code, with its default severity and what it means.
LINT: Mapping[str, tuple[Severity, str]] = {
    "pip-replaces-conda": (
        Severity.ERROR,
        "a pip line replaces a package conda installs: a version conda's spec excludes, "
        "or a URL, path or VCS source for it",
    ),
    "in-conda-and-pip": (
        Severity.WARNING,
        "a package listed for conda and for pip; conda runs `pip install -U`, which "
        "upgrades conda's copy whenever pip's specifier allows a newer version",
    ),
    "pip-unconstrained": (
        Severity.WARNING,
        "a pip section without a -c constraints file, while conda installs Python "
        "packages that pip may replace to satisfy a dependency",
    ),
    "constraints-incomplete": (
        Severity.WARNING,
        "the -c constraints do not pin (==) every Python package conda installs",
    ),
    "constraint-conflicts-conda": (
        Severity.ERROR,
        "a constraint allows no version that conda's spec of the same package allows",
    ),
    "vcs-unpinned": (
        Severity.ERROR,
        "a VCS URL without @ref: whatever the default branch holds at install time",
    ),
    "vcs-ref-mutable": (
        Severity.WARNING,
        "a VCS URL pinned to a branch or tag, which can move, not to a full commit id",
    ),
    "pip-not-in-conda": (
        Severity.WARNING,
        "a pip section, but pip is not one of conda's dependencies: the pip that runs "
        "may not be the env's",
    ),
    "credentials-in-url": (
        Severity.ERROR,
        "a channel, pip line or index URL with a password or token written in it",
    ),
    "conda-specs-conflict": (
        Severity.ERROR,
        "two conda specs of one package that no package satisfies together (another "
        "version, build or channel): conda merges them into one spec and cannot create the env",
    ),
    "unreadable-line": (Severity.ERROR, "a line conda or pip cannot use as written"),
    "ignored-line": (Severity.INFO, "a line conda or pip ignores"),
    "unchecked-include": (Severity.INFO, "a -r/-c file at a URL: not fetched, not checked"),
    "unknown-key": (
        Severity.INFO,
        "a top-level key conda does not read (a warning when it looks like a misspelt one)",
    ),
    "duplicate-key": (Severity.WARNING, "a top-level key given twice; conda reads only the last"),
}

# conda packages that hold no Python distribution, so pip cannot replace
# them and no constraint is needed.  A heuristic (nothing in an environment
# file says which packages are Python ones); it errs towards listing a
# package, since an extra constraint line costs nothing.
_NOT_PYTHON = frozenset(
    {
        "python", "pip",  # conda's own; pip is the installer, python has no PyPI dist
        "blas", "bzip2", "ca-certificates", "cairo", "ccache", "cmake", "curl", "cudatoolkit",
        "cudnn", "doxygen", "ffmpeg", "fontconfig", "freetype", "gcc", "geos", "git", "glpk",
        "gmp", "graphviz", "gxx", "hdf5", "intel-openmp", "jpeg", "make", "mkl", "ncurses",
        "ninja", "nodejs", "openjdk", "openssl", "pandoc", "pkg-config", "proj", "qt",
        "readline", "sqlite", "tk", "vc", "vs2015_runtime", "xz", "zeromq", "zlib", "zstd",
    }
)  # fmt: skip
_NOT_PYTHON_PREFIXES = ("_", "lib", "r-", "xorg-", "cuda-", "clang", "sysroot_")
_NOT_PYTHON_SUFFIXES = ("-compiler", "-cpp", "-c", "-ng", "-devel")
# Python packages whose name starts like a C library's.
_PYTHON_LIB = re.compile(r"lib(cst|rosa)$")

_FULL_COMMIT = re.compile(r"[0-9a-fA-F]{40}|[0-9a-fA-F]{64}")
_VERSION_TOKEN = re.compile(r"[0-9][0-9A-Za-z.+!_]*")
_SHOWN = 6  # how many package names a message lists


def _finding(
    code: str,
    package: str,
    message: str,
    *,
    source: str,
    line: int,
    severity: Severity | None = None,
    **evidence: Any,
) -> Finding:
    return Finding(
        code=code,
        severity=severity or LINT[code][0],
        package=package,
        message=redact_text(message),
        evidence={"file": source, "line": line}
        | {k: v for k, v in evidence.items() if v is not None},
    )


def _listing(names: Iterable[str]) -> str:
    names = list(names)
    more = len(names) - _SHOWN
    return ", ".join(names[:_SHOWN]) + (f" and {more} more" if more > 0 else "")


def _is_python_package(conda_name: str) -> bool:
    """Whether a conda package is (probably) a Python distribution pip could replace."""
    if conda_name in _NOT_PYTHON or conda_name.endswith(_NOT_PYTHON_SUFFIXES):
        return False
    return not conda_name.startswith(_NOT_PYTHON_PREFIXES) or bool(_PYTHON_LIB.match(conda_name))


# --------------------------------------------------------------------------
# versions: does any version satisfy both conda's spec and pip's specifier?


def _pip_specifier(entry: PipEntry) -> SpecifierSet | None:
    if entry.requirement is None or entry.kind is not PipKind.REQUIREMENT:
        return None
    return entry.requirement.specifier if str(entry.requirement.specifier) else None


def _conda_allows(dep: CondaDep, version: str) -> bool | None:
    try:
        return spec_matches(dep.spec, name=dep.name, version=version, build=None)
    except InvalidSpec:
        return None


def _compatible(dep: CondaDep, specifier: SpecifierSet) -> bool:
    """False only when no version satisfies both sides.

    Neither side is solved: the candidates are the versions either side
    names and, for strict bounds, a version just above each one
    (``1.5`` -> ``1.5.0.1``).  That finds a common version whenever the
    bounds overlap at or just above a version written in either spec, which
    is how people write them; when unsure, the answer is "compatible".
    """
    texts = [dep.spec[len(dep.name) :], *(s.version for s in specifier)]
    candidates: list[str] = []
    for text in texts:
        for token in _VERSION_TOKEN.findall(text):
            token = token.rstrip(".")
            candidates += [token, f"{token}.0.1"]
    if not candidates:
        return True
    undecided = False
    for candidate in candidates:
        version = parse_version(candidate)
        if version is None or not specifier.contains(version, prereleases=True):
            continue
        allowed = _conda_allows(dep, candidate)
        if allowed is None:
            undecided = True
        elif allowed:
            return True
    return undecided


def _below(token: str) -> str | None:
    """A version just below ``token`` (``2`` -> ``1.999999``, ``1.26`` ->
    ``1.25.999999``), for a strict upper bound on both sides; None for ``0``
    or a token that is not plain numbers."""
    parts = token.split(".")
    if not all(p.isdigit() for p in parts):
        return None
    numbers = [int(p) for p in parts]
    last = max((i for i, n in enumerate(numbers) if n), default=None)
    if last is None:
        return None
    numbers[last] -= 1
    return ".".join(map(str, [*numbers[: last + 1], 999999]))


def _conda_versions_meet(a: CondaDep, b: CondaDep) -> bool:
    """Can one version satisfy both conda specs?  False only when none can.

    rattler reads and matches conda's version specs exactly but cannot
    intersect two of them, so the candidates are the versions either spec
    names, a version just above each (``1.5`` -> ``1.5.0.1``, for ``>1.5``
    or ``!=1.5``) and one just below (for ``<2`` beside ``<3``), each judged
    by rattler against both specs.  A common range always has such a
    version at or next to one of its bounds, the way specs are written
    (``1.26.*`` beside ``>=2``: 1.26, 2 and their neighbours each fail
    one side).  A spec rattler cannot read decides nothing (it is an
    unreadable-line of its own).
    """
    candidates: list[str] = []
    for dep in (a, b):
        for token in _VERSION_TOKEN.findall(dep.spec[len(dep.name) :]):
            token = token.rstrip(".")
            candidates += [token, f"{token}.0.1"]
            below = _below(token)
            if below is not None:
                candidates.append(below)
    if not candidates:
        return True  # neither names a version
    for candidate in dict.fromkeys(candidates):
        first, second = _conda_allows(a, candidate), _conda_allows(b, candidate)
        if first is None or second is None:
            return True
        if first and second:
            return True
    return False


def _exact_pin(specifier: SpecifierSet) -> bool:
    return any(s.operator in ("==", "===") and "*" not in s.version for s in specifier)


# --------------------------------------------------------------------------
# checks


def _by_pypi_name(env: EnvFile, names: NameMap) -> dict[NormalizedName, list[CondaDep]]:
    out: dict[NormalizedName, list[CondaDep]] = {}
    for dep in env.conda:
        for pypi in names.pypi_names(dep.name):
            out.setdefault(pypi, []).append(dep)
    return out


def _conda_ref(entry: PipEntry, dep: CondaDep, env: EnvFile) -> str:
    where = f"{_short(dep.source, env)}line {dep.line}"
    if canonicalize_name(dep.name) == entry.name:
        return f"conda's {dep.spec} ({where})"
    return f"conda's {dep.spec} ({where}; it provides {entry.name})"


def _check_conda_and_pip(env: EnvFile, names: NameMap) -> Iterator[Finding]:
    """A package named on both sides: one finding per pip line and conda
    spec of the same package, under the code of the worst thing it does."""
    conda_by_pypi = _by_pypi_name(env, names)
    for entry in env.pip:
        if entry.name is None or entry.kind is PipKind.OPTION:
            continue
        for dep in conda_by_pypi.get(entry.name, ()):
            ref = _conda_ref(entry, dep, env)
            common: dict[str, Any] = {
                "source": entry.source,
                "line": entry.line,
                "conda_spec": dep.spec,
                "conda_line": dep.line,
            }
            specifier = _pip_specifier(entry)
            if entry.constraint:
                if specifier is not None and not _compatible(dep, specifier):
                    yield _finding(
                        "constraint-conflicts-conda",
                        entry.name,
                        f"constraint {entry.name}{specifier} and {ref} have no version in "
                        f"common: pip fails, or replaces conda's copy, when it needs {entry.name}",
                        pip=f"{entry.name}{specifier}",
                        **common,
                    )
                continue
            if entry.kind is not PipKind.REQUIREMENT:
                kind = "an editable install" if entry.editable else f"a {entry.kind.value}"
                yield _finding(
                    "pip-replaces-conda",
                    entry.name,
                    f"pip installs {entry.name} from {kind} over {ref}",
                    pip=redact_url(entry.url) if entry.url else entry.path,
                    **common,
                )
            elif specifier is not None and not _compatible(dep, specifier):
                yield _finding(
                    "pip-replaces-conda",
                    entry.name,
                    f"pip's {entry.name}{specifier} and {ref} have no version in common: "
                    "pip replaces conda's copy",
                    pip=f"{entry.name}{specifier}",
                    **common,
                )
            else:
                pinned = specifier is not None and _exact_pin(specifier)
                yield _finding(
                    "in-conda-and-pip",
                    entry.name,
                    f"{entry.name} is also {ref}; conda runs `pip install -U`, which "
                    + (
                        "replaces conda's copy unless conda picks the same version"
                        if pinned
                        else "replaces conda's copy with any newer version pip's spec allows"
                    )
                    + ": list it on one side only",
                    pip=f"{entry.name}{specifier or ''}",
                    **common,
                )


def _platforms(selector: str | None) -> frozenset[str] | None:
    """The platform families a micromamba ``sel(...)`` applies to; None: all."""
    if selector is None:
        return None
    return frozenset({"linux", "osx"}) if selector == "unix" else frozenset({selector})


def _same_platform(a: CondaDep, b: CondaDep) -> bool:
    pa, pb = _platforms(a.selector), _platforms(b.selector)
    return pa is None or pb is None or bool(pa & pb)


def _conda_conflict(a: CondaDep, b: CondaDep) -> str | None:
    """Why conda cannot take both specs of one package, or None."""
    ca, cb = channel_name(a.channel), channel_name(b.channel)
    if ca and cb and ca != cb:
        return f"one asks for channel {ca}, the other for {cb}"
    ba, bb = spec_build(a.spec), spec_build(b.spec)
    if ba and bb and "*" not in ba + bb and ba != bb:
        return f"one asks for build {ba}, the other for {bb}"
    if not _conda_versions_meet(a, b):
        return "no version satisfies both"
    return None


def _check_conda_conflicts(env: EnvFile) -> Iterator[Finding]:
    """Two specs of one conda package that cannot both hold.  conda merges
    every spec of a package into one MatchSpec (``MatchSpec.merge``, since
    conda 4.4): versions are and-ed (``numpy 1.26.*,>=2``), so the solve
    fails; two builds or channels are an "Incompatible component merge".
    One finding per conflicting pair, at the later line; specs under
    ``sel(...)`` of different platforms never meet."""
    by_name: dict[str, list[CondaDep]] = {}
    for dep in env.conda:
        by_name.setdefault(dep.name, []).append(dep)
    for name, deps in by_name.items():
        for i, later in enumerate(deps):
            for earlier in deps[:i]:
                if not _same_platform(earlier, later):
                    continue
                why = _conda_conflict(later, earlier)
                if why is None:
                    continue
                where = f"{_short(earlier.source, env)}line {earlier.line}"
                yield _finding(
                    "conda-specs-conflict",
                    name,
                    f"{later.text.strip()!r} and {earlier.text.strip()!r} ({where}) cannot both "
                    f"hold: {why}; conda merges them into one spec and cannot create the env",
                    source=later.source,
                    line=later.line,
                    spec=later.spec,
                    other_spec=earlier.spec,
                    other_line=earlier.line,
                )


def _short(source: str, env: EnvFile) -> str:
    return "" if source == env.path else f"{source}, "


def _installs(env: EnvFile) -> list[PipEntry]:
    return [e for e in env.pip if not e.constraint and e.kind is not PipKind.OPTION]


def _check_constraints(env: EnvFile, names: NameMap) -> Iterator[Finding]:
    if not _installs(env):
        return
    python_deps = [d for d in env.conda if _is_python_package(d.name)]
    constraint_files = [i for i in env.includes if i.constraint]
    if not constraint_files:
        if python_deps:
            line = env.pip_section_lines[0] if env.pip_section_lines else _installs(env)[0].line
            shown = _listing(sorted({d.name for d in python_deps}))
            yield _finding(
                "pip-unconstrained",
                "",
                f"the pip section has no -c constraints file: pip may replace conda's "
                f"{shown} to satisfy a pip package's dependency",
                source=env.path,
                line=line,
                conda=sorted({d.name for d in python_deps}),
            )
        return
    pinned: set[NormalizedName] = set()
    for entry in env.pip:
        if entry.constraint and entry.name is not None:
            specifier = _pip_specifier(entry)
            if entry.kind is not PipKind.REQUIREMENT or (specifier and _exact_pin(specifier)):
                pinned.add(entry.name)
    missing = sorted({d.name for d in python_deps if not set(names.pypi_names(d.name)) & pinned})
    if missing:
        first = constraint_files[0]
        yield _finding(
            "constraints-incomplete",
            "",
            f"the constraints ({first.target}) do not pin (==) conda's {_listing(missing)}: "
            "pip may replace them",
            source=first.source,
            line=first.line,
            conda=missing,
            constraints=first.path,
        )


def _check_vcs(env: EnvFile) -> Iterator[Finding]:
    for entry in env.pip:
        if entry.vcs is None or entry.constraint:
            continue
        url = redact_url(entry.url_without_vcs or "")
        what = entry.name or url
        rev = entry.revision
        if rev is None:
            yield _finding(
                "vcs-unpinned",
                entry.name or "",
                f"{what} from {entry.vcs} without @ref: installs whatever the default branch "
                "holds at install time; pin a full commit id",
                source=entry.source,
                line=entry.line,
                url=url,
            )
        elif not _immutable(entry.vcs, rev):
            yield _finding(
                "vcs-ref-mutable",
                entry.name or "",
                f"{what} from {entry.vcs} at {rev!r}, a branch or tag that can move; "
                "pin a full commit id",
                source=entry.source,
                line=entry.line,
                url=url,
                ref=rev,
            )


def _immutable(vcs: str, rev: str) -> bool:
    if vcs in ("git", "hg"):
        return bool(_FULL_COMMIT.fullmatch(rev))
    return rev.isdigit()  # svn and bzr revision numbers


def _check_pip_listed(env: EnvFile) -> Iterator[Finding]:
    if not env.has_pip_section or not _installs(env):
        return
    if any(d.name == "pip" for d in env.conda):
        return
    line = env.pip_section_lines[0] if env.pip_section_lines else _installs(env)[0].line
    python = any(d.name == "python" for d in env.conda)
    yield _finding(
        "pip-not-in-conda",
        "pip",
        "a pip section, but pip is not in conda's dependencies: add `- pip`"
        + ("" if python else " (and `- python`)")
        + " so that the env's own pip installs these",
        source=env.path,
        line=line,
    )


def _check_credentials(env: EnvFile) -> Iterator[Finding]:
    seen: set[tuple[str, int]] = set()

    def check(url: str, what: str, source: str, line: int, conda: bool) -> Iterator[Finding]:
        secrets = url_secrets(url, channel=conda)
        if not secrets or (source, line) in seen:
            return
        seen.add((source, line))
        clean = redact_url(url)
        yield _finding(
            "credentials-in-url",
            "",
            f"{what} {clean} carries a {' and a '.join(sorted(set(secrets)))} in clear; "
            "use an environment variable (${VAR}) or a credential store instead",
            source=source,
            line=line,
            url=clean,
        )

    lines = env.channel_lines or (0,) * len(env.channels)
    for channel, line in zip(env.channels, lines, strict=False):
        yield from check(channel, "channel", env.path, line, True)
    for dep in env.conda:
        if dep.channel:
            yield from check(dep.channel, "channel", dep.source, dep.line, True)
    pip_lines = [(e.source, e.line, e.text) for e in env.pip]
    pip_lines += [(i.source, i.line, i.text) for i in env.includes]
    pip_lines += [(p.source, p.line, p.text) for p in env.problems]  # unreadable lines too
    for source, line, text in pip_lines:
        for url in urls_in(text):
            yield from check(url, "URL", source, line, False)


def _check_conda_specs(env: EnvFile) -> Iterator[Finding]:
    for dep in env.conda:
        try:
            validate_spec(dep.spec)
        except InvalidSpec as exc:
            yield _finding(
                "unreadable-line",
                dep.name,
                f"{dep.text!r}: conda cannot read it: {exc.__cause__ or exc}",
                source=dep.source,
                line=dep.line,
            )


def _check_problems(env: EnvFile) -> Iterator[Finding]:
    for p in env.problems:
        text = redact_text(p.text)
        if p.code == "unknown-key":
            close = difflib.get_close_matches(p.text, sorted(CONDA_KEYS), n=1, cutoff=0.75)
            yield _finding(
                "unknown-key",
                "",
                f"{p.text!r} is not a key conda reads"
                + (f"; did you mean {close[0]!r}?" if close else "; conda ignores it"),
                source=p.source,
                line=p.line,
                severity=Severity.WARNING if close else None,
                key=p.text,
            )
        elif p.code == "duplicate-key":
            yield _finding(
                "duplicate-key",
                "",
                f"{p.text!r} is given twice; conda reads only the last one",
                source=p.source,
                line=p.line,
                key=p.text,
            )
        elif p.code == "remote-include":
            yield _finding(
                "unchecked-include", "", f"{text!r}: {p.reason}", source=p.source, line=p.line
            )
        else:
            yield _finding(
                "ignored-line" if p.ignored else "unreadable-line",
                "",
                f"{text!r}: {p.reason}",
                source=p.source,
                line=p.line,
            )


def lint(env: EnvFile, names: NameMap) -> tuple[Finding, ...]:
    """Every finding for ``env``, in file and line order."""
    findings = [
        *_check_problems(env),
        *_check_conda_specs(env),
        *_check_conda_conflicts(env),
        *_check_pip_listed(env),
        *_check_conda_and_pip(env, names),
        *_check_constraints(env, names),
        *_check_vcs(env),
        *_check_credentials(env),
    ]
    return tuple(
        sorted(
            findings,
            key=lambda f: (
                f.evidence["file"] != env.path,
                f.evidence["file"],
                f.evidence["line"],
                f.code,
            ),
        )
    )


def load_for_lint(path: str) -> EnvFile:
    """Read ``path`` as an environment file, refusing a YAML mapping that
    has none of conda's keys nor a near miss of one (a lock file, a CI
    config): linting it would only say "unknown key" for every key."""
    from .envfile import load_env_file

    env = load_env_file(path, lists=False)
    keys = set(env.key_lines)
    if keys & CONDA_KEYS:
        return env
    if any(difflib.get_close_matches(k, sorted(CONDA_KEYS), n=1, cutoff=0.75) for k in keys):
        return env
    shown = ", ".join(sorted(keys)[:4]) + (", ..." if len(keys) > 4 else "")
    raise InvalidEnvFile(
        path, f"not an environment file: no name, channels or dependencies (keys: {shown})"
    )
