"""Build the benchmark prefixes, reproducibly, cached outside the repository.

    python bench/prefixes.py                    # realistic + stress
    python bench/prefixes.py scale              # or any of: realistic stress scale tiny
    python bench/prefixes.py --force stress     # rebuild even if cached

Prefixes live in ``$RECONCILE_BENCH_DIR`` (default
``~/.cache/reconcile-bench``), one folder each, with a ``<kind>.stamp.json``
beside it recording what was built and how long it took.  A prefix is
rebuilt when its stamp is missing (an interrupted build) or its key changed
(the builder modules, its size, ``realistic.txt``, or the Python building
it); it is built in place because venvs hard-code their own path.

Run it with a Python that has ``packaging`` (the dev venv has it); that
Python becomes every prefix's interpreter.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from _realistic import build_realistic
from _synthetic import SyntheticSpec, build_synthetic

__all__ = ["KINDS", "Prefix", "bench_dir", "ensure"]

HERE = Path(__file__).resolve().parent
REQUIREMENTS = HERE / "realistic.txt"
#: The code that decides what a prefix contains: any change means a rebuild.
BUILDERS = ("_distinfo.py", "_realistic.py", "_records.py", "_synthetic.py", "_venv.py")

#: Every prefix the bench knows; ``realistic`` is special (real pip install).
KINDS: dict[str, SyntheticSpec | None] = {
    "realistic": None,
    "stress": SyntheticSpec(dists=2_000, conda=1_624),
    "scale": SyntheticSpec(dists=10_000, conda=8_120),
    "tiny": SyntheticSpec(dists=60, conda=48, files_per_dist=10),  # for `run.py --quick`
}
DEFAULT_KINDS = ("realistic", "stress")


@dataclass(frozen=True)
class Prefix:
    kind: str
    path: Path
    stamp: dict[str, Any]  # key, build seconds, counts

    @property
    def python(self) -> Path:
        return self.path / "bin" / "python"


def bench_dir() -> Path:
    env = os.environ.get("RECONCILE_BENCH_DIR")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "reconcile-bench"


def _key(kind: str) -> str:
    """What the prefix depends on; a change means a rebuild."""
    spec = KINDS[kind]
    builders = hashlib.sha256(b"".join((HERE / name).read_bytes() for name in BUILDERS))
    parts: dict[str, Any] = {"builders": builders.hexdigest(), "kind": kind, "python": sys.version}
    if spec is None:
        parts["requirements"] = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    else:
        parts["spec"] = asdict(spec)
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]


def _read_stamp(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _log(kind: str) -> Callable[[str], None]:
    start = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{kind} +{time.perf_counter() - start:6.1f}s] {message}", file=sys.stderr)

    return log


def _build(kind: str, path: Path) -> dict[str, Any]:
    spec = KINDS[kind]
    log = _log(kind)
    if spec is None:
        return build_realistic(path, REQUIREMENTS, log)
    return build_synthetic(path, spec, log)


def ensure(kind: str, *, force: bool = False, root: Path | None = None) -> Prefix:
    """The prefix ``kind``, built first when it is missing or out of date."""
    if kind not in KINDS:
        raise ValueError(f"unknown prefix kind {kind!r} (known: {', '.join(KINDS)})")
    root = root or bench_dir()
    path, stamp_path = root / kind, root / f"{kind}.stamp.json"
    key = _key(kind)
    stamp = _read_stamp(stamp_path)
    if not force and stamp is not None and stamp.get("key") == key and path.is_dir():
        return Prefix(kind, path, {**stamp, "cached": True})
    stamp_path.unlink(missing_ok=True)  # no stamp = "incomplete" until done
    if path.exists():
        shutil.rmtree(path)
    root.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    counts = _build(kind, path)
    stamp = {"key": key, "build_seconds": round(time.perf_counter() - start, 1), **counts}
    stamp_path.write_text(json.dumps(stamp, indent=2) + "\n", encoding="utf-8")
    return Prefix(kind, path, {**stamp, "cached": False})


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("kinds", nargs="*", metavar="KIND", help=f"any of: {', '.join(KINDS)}")
    parser.add_argument("--force", action="store_true", help="rebuild even when cached")
    args = parser.parse_args(argv)
    unknown = [k for k in args.kinds if k not in KINDS]
    if unknown:
        parser.error(f"unknown prefix kind(s): {', '.join(unknown)}")
    for kind in args.kinds or DEFAULT_KINDS:
        prefix = ensure(kind, force=args.force)
        stamp = prefix.stamp
        how = "cached" if stamp["cached"] else "built"
        print(
            f"{kind:10} {prefix.path}  {how}, build took {stamp['build_seconds']} s: "
            f"{stamp['distributions']} dists, {stamp['conda_records']} conda records, "
            f"{stamp['files']} files; planted {stamp['planted']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
