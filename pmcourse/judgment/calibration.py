"""Calibration: stated confidence against being right, and the Brier score that sums it up.

Each answer records how sure the learner was (0.5 to 1.0). A calibrated learner who says 80% is
right about four times in five; the table puts answers into confidence bands and shows, per band,
the share that was right beside the confidence stated. The Brier score is the mean squared gap
between the stated confidence and the outcome (1 right, 0 wrong): 0 is perfect, always saying 50%
scores 0.25. The instructor's gradebook and the learner's profile use the same function.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

__all__ = ["BANDS", "brier_score", "calibration_table"]

#: Confidence bands (lower edge inclusive, upper edge exclusive except for the last), as fractions.
BANDS = ((0.5, 0.6), (0.6, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 1.0))


def brier_score(confidences: Iterable[float | None], correct: Iterable[bool]) -> float | None:
    """Mean squared gap between stated confidence and being right (lower is better).

    Pairs without a confidence are skipped; None when no pair has one. A learner who says 100%
    and is right scores 0; who says 100% and is wrong scores 1; always saying 50% scores 0.25.

    Examples
    --------
    >>> brier_score([1.0, 0.8, None], [True, False, True])
    0.32

    Introduced in notebooks/10-judgment-profile.ipynb.
    """
    pairs = [
        (float(c), 1.0 if ok else 0.0)
        for c, ok in zip(confidences, correct, strict=True)
        if c is not None
    ]
    if not pairs:
        return None
    return round(sum((c - y) ** 2 for c, y in pairs) / len(pairs), 12)


def _band(confidence: float) -> str:
    for low, high in BANDS:
        if low <= confidence < high or (high == BANDS[-1][1] and confidence == high):
            return f"{low:.0%}-{high:.0%}"
    return f"{BANDS[0][0]:.0%}-{BANDS[0][1]:.0%}"  # parse_confidence never gives below 0.5


def calibration_table(confidences: Iterable[float | None], correct: Iterable[bool]) -> pd.DataFrame:
    """Answers per confidence band: how sure the learner said they were, and how often right.

    Parameters
    ----------
    confidences : iterable of float or None
        Stated confidence per answer, as a fraction (0.5 to 1.0); answers without one are left out.
    correct : iterable of bool
        Whether each answer was right (full credit).

    Returns
    -------
    DataFrame
        Indexed by band (``"50%-60%"`` … ``"90%-100%"``, every band listed): ``answers``,
        ``stated`` (mean confidence), ``right`` (share right) and ``gap`` (right − stated;
        negative: more sure than right). Empty bands hold 0 answers and NaN.

    Examples
    --------
    >>> table = calibration_table([0.9, 0.95, 0.55, None], [True, False, True, False])
    >>> table.loc["90%-100%", ["answers", "stated", "right", "gap"]].tolist()
    [2.0, 0.925, 0.5, -0.425]

    Introduced in notebooks/10-judgment-profile.ipynb.
    """
    rows = [
        (_band(float(c)), float(c), 1.0 if ok else 0.0)
        for c, ok in zip(confidences, correct, strict=True)
        if c is not None
    ]
    labels = [f"{low:.0%}-{high:.0%}" for low, high in BANDS]
    df = pd.DataFrame(rows, columns=["band", "confidence", "right"])
    grouped = df.groupby("band").agg(
        answers=("right", "size"), stated=("confidence", "mean"), right=("right", "mean")
    )
    table = grouped.reindex(labels)
    table["answers"] = table["answers"].fillna(0).astype(int)
    table["stated"] = table["stated"].round(4)
    table["right"] = table["right"].round(4)
    table["gap"] = (table["right"] - table["stated"]).round(4)
    table.index.name = "confidence band"
    return table
