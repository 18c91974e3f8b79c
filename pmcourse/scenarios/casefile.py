"""Case files (``.pmcase``) and the CSV form shared with ``pmcourse data export``.

A case file is a zip holding ``manifest.json``, one CSV per table under ``tables/``,
``timeline.csv`` and ``briefing.md``. A *graded* file (what a student receives) holds nothing else:
no seed, no params, no truth. A practice file also holds ``params.json`` and ``truth.json``.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pmcourse.exceptions import CaseFileError
from pmcourse.scenarios.base import TIMELINE_COLUMNS, Case

__all__ = [
    "FORMAT_VERSION",
    "write_case_file",
    "read_case_file",
    "frame_to_csv",
    "frame_dtypes",
    "csv_to_frame",
    "json_default",
]

FORMAT_VERSION = 1
_FLOAT_FORMAT = "%.10g"


def json_default(value: Any):
    """``json.dumps`` fallback for numpy scalars, timestamps and sets found in truth/params."""
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d") if value == value.normalize() else value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def frame_dtypes(df: pd.DataFrame) -> dict[str, str]:
    """Column -> one of ``datetime``, ``int``, ``float``, ``bool``, ``str`` (what the CSV restores)."""
    out = {}
    for col, dtype in df.dtypes.items():
        if pd.api.types.is_datetime64_any_dtype(dtype):
            out[col] = "datetime"
        elif pd.api.types.is_bool_dtype(dtype):
            out[col] = "bool"
        elif pd.api.types.is_integer_dtype(dtype):
            out[col] = "int"
        elif pd.api.types.is_float_dtype(dtype):
            out[col] = "float"
        else:
            out[col] = "str"
    return out


def frame_to_csv(df: pd.DataFrame) -> bytes:
    """Deterministic CSV bytes: ISO dates, ``%.10g`` floats, empty cells for NaN (never 0)."""
    data = df.copy()
    for col, kind in frame_dtypes(df).items():
        if kind == "datetime":
            # numpy formats dates in C, ~6x faster than .dt.strftime; same text either way
            stamps = data[col].to_numpy(dtype="datetime64[us]")
            valid = ~np.isnat(stamps)
            days_only = stamps.astype("datetime64[D]")
            only_dates = bool((days_only[valid] == stamps[valid]).all())
            text = (
                np.datetime_as_string(days_only, unit="D")
                if only_dates
                else np.datetime_as_string(stamps, unit="us")
            )
            data[col] = np.where(valid, text, "")
    return data.to_csv(index=False, float_format=_FLOAT_FORMAT, lineterminator="\n").encode()


def csv_to_frame(raw: bytes, dtypes: dict[str, str]) -> pd.DataFrame:
    """Inverse of :func:`frame_to_csv` given the column kinds from :func:`frame_dtypes`."""
    read_as = {
        c: (str if k == "str" else "float64") for c, k in dtypes.items() if k in ("str", "float")
    }
    df = pd.read_csv(io.BytesIO(raw), dtype=read_as, keep_default_na=True)
    for col, kind in dtypes.items():
        if col not in df.columns:
            raise CaseFileError(f"Column {col!r} is missing from the case file's CSV.")
        if kind == "datetime":
            df[col] = pd.to_datetime(df[col], format="ISO8601")
        elif kind == "int":
            df[col] = df[col].astype("int64")
        elif kind == "bool":
            df[col] = df[col].astype(bool)
    return df


def write_case_file(
    case: Case,
    path,
    *,
    graded: bool = True,
    student_id: str | None = None,
    variant_token: str | None = None,
) -> Path:
    """Write ``case`` to a ``.pmcase`` zip.

    Parameters
    ----------
    case : Case
    path : str or Path
        Destination; parent folders are created.
    graded : bool, default True
        A graded file carries no seed, params or truth; ``student_id`` and ``variant_token`` are
        stored in its manifest.
    student_id, variant_token : str, optional
        Identify a student's file (graded mode).

    Returns
    -------
    Path

    Examples
    --------
    >>> import tempfile, pmcourse
    >>> case = pmcourse.load_case("orientation", seed=3)
    >>> p = write_case_file(case, Path(tempfile.mkdtemp()) / "c.pmcase", student_id="s1",
    ...                     variant_token="TOKEN")
    >>> read_case_file(p).graded
    True

    Introduced in notebooks/00-orientation.ipynb.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, Any] = {
        "format": "pmcase",
        "format_version": FORMAT_VERSION,
        "scenario": case.scenario,
        "notebook": case.notebook,
        "graded": bool(graded),
        "tables": {name: frame_dtypes(df) for name, df in case.tables.items()},
        "timeline": frame_dtypes(case.timeline),
    }
    if graded:
        manifest["student_id"] = student_id
        manifest["variant_token"] = variant_token
    else:
        manifest["seed"] = case.seed
        manifest["size"] = case.size
    # fixed timestamps keep the zip bytes a function of the case alone
    stamp = (2026, 1, 1, 0, 0, 0)

    def put(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
        info = zipfile.ZipInfo(name, date_time=stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        # level 1: a 5x faster write than the default 6 for ~25% more bytes; preparing a cohort
        # writes thousands of these
        zf.writestr(info, data, compresslevel=1)

    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(tmp, "w") as zf:
        put(zf, "manifest.json", json.dumps(manifest, indent=1, sort_keys=True).encode())
        for name, df in case.tables.items():
            put(zf, f"tables/{name}.csv", frame_to_csv(df))
        put(zf, "timeline.csv", frame_to_csv(case.timeline))
        put(zf, "briefing.md", case.briefing.encode())
        if not graded:
            put(
                zf,
                "params.json",
                json.dumps(case.params, default=json_default, sort_keys=True).encode(),
            )
            put(
                zf,
                "truth.json",
                json.dumps(case.truth, default=json_default, sort_keys=True).encode(),
            )
    tmp.replace(path)
    return path


def read_case_file(path) -> Case:
    """Read a ``.pmcase`` file written by :func:`write_case_file`.

    A graded file gives a :class:`Case` whose ``truth``, ``params`` and ``variant`` raise
    :class:`~pmcourse.exceptions.TruthHiddenError`.

    Raises
    ------
    CaseFileError
        The file is missing, not a zip, not a pmcase file, or of an unknown format version.

    Introduced in notebooks/01-usage-drop.ipynb.
    """
    path = Path(path)
    if not path.is_file():
        raise CaseFileError(
            f"No case file at {str(path)!r}: check DATA_PATH in the parameters cell."
        )
    try:
        with zipfile.ZipFile(path) as zf:
            manifest = json.loads(zf.read("manifest.json"))
            if manifest.get("format") != "pmcase":
                raise CaseFileError(f"{path} is not a pmcourse case file.")
            if manifest.get("format_version") != FORMAT_VERSION:
                raise CaseFileError(
                    f"{path} has case-file format {manifest.get('format_version')!r}; this pmcourse "
                    f"reads format {FORMAT_VERSION}. Ask your instructor for a fresh file."
                )
            tables = {
                name: csv_to_frame(zf.read(f"tables/{name}.csv"), dtypes)
                for name, dtypes in manifest["tables"].items()
            }
            timeline = csv_to_frame(zf.read("timeline.csv"), manifest["timeline"])
            briefing = zf.read("briefing.md").decode()
            graded = bool(manifest["graded"])
            params = truth = None
            if not graded:
                params = json.loads(zf.read("params.json"))
                truth = json.loads(zf.read("truth.json"))
    except CaseFileError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, UnicodeDecodeError) as exc:
        raise CaseFileError(f"{path} is damaged or not a pmcourse case file ({exc}).") from None
    missing = [c for c in TIMELINE_COLUMNS if c not in timeline.columns]
    if missing:
        raise CaseFileError(f"{path} has a timeline without columns {missing}.")
    return Case(
        scenario=manifest["scenario"],
        notebook=manifest["notebook"],
        tables=tables,
        timeline=timeline,
        briefing=briefing,
        _params=params,
        _truth=truth,
        seed=None if graded else manifest.get("seed"),
        size=manifest.get("size", "default"),
        graded=graded,
        student_id=manifest.get("student_id"),
        variant_token=manifest.get("variant_token"),
    )
