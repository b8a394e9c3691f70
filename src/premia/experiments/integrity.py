"""Integrity of a store's runs: each run's files carry their size and SHA-256 in its record.

Each run also records the digest of the premia code that made it (:func:`code_digest`),
so that a sweep resumed after premia changed does not mix results of two versions.

A run is damaged when a file is missing, has another size or another checksum than
recorded, or (for records written before checksums) a table's Parquet footer cannot be
read. A run lost to the infrastructure (its worker died) is not damaged but unfinished:
sweeps run it again.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from premia.results import TABLES

RECORD = "record.json"
RERUN = ("lost",)  # statuses a sweep runs again: the run never finished for outside reasons


def lost(record: Mapping[str, Any]) -> bool:
    """Whether a record is of a run lost to the infrastructure (a dead worker), not a run
    that failed on its own: such runs are re-run on resume."""
    error = str(record.get("error") or "")
    return record.get("status") in RERUN or (record.get("status") == "failed"
                                             and error.startswith("worker lost"))


def source_digest(folder: Path) -> str:
    """A hash of the names and contents of the Python files under ``folder``."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*.py")):
        digest.update(path.relative_to(folder).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@functools.cache
def code_digest() -> str:
    """A hash of premia's source files, recorded with each run and cached result: results
    computed by other code are not reused unasked."""
    return source_digest(Path(__file__).resolve().parents[1])


def file_digest(path: Path) -> str:
    """SHA-256 of a file, in hex."""
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def checksums(folder: Path) -> dict[str, dict[str, Any]]:
    """``{name: {"bytes": size, "sha256": hex}}`` of the files in a run folder."""
    return {p.name: {"bytes": p.stat().st_size, "sha256": file_digest(p)}
            for p in sorted(folder.iterdir()) if p.is_file() and p.name != RECORD}


def verify_files(folder: Path, record: Mapping[str, Any]) -> str | None:
    """Why a finished run's files do not match its record, or ``None`` when they do.

    Records written before checksums existed are checked by reading each table's Parquet
    footer.
    """
    listed = record.get("files")
    if not isinstance(listed, dict):
        for name in TABLES:
            try:
                pq.read_metadata(folder / f"{name}.parquet")
            except (OSError, ValueError, pa.ArrowException) as exc:
                return f"{name}.parquet unreadable ({type(exc).__name__})"
        return None
    for name, info in sorted(listed.items()):
        path = folder / name
        try:
            size = path.stat().st_size
        except OSError:
            return f"{name} is missing"
        if size != info.get("bytes"):
            return f"{name} has {size} bytes, {info.get('bytes')} were written"
        if file_digest(path) != info.get("sha256"):
            return f"{name} checksum mismatch"
    return None
