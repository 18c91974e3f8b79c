"""Notebook execution time against the floor, and executed-notebook size per plotly renderer.

For every notebook: papermill (Python API, kernel shut down immediately) runs it; beside it, in the
same run, the *floor*: a bare notebook holding the same imports cell and nothing else (kernel start,
imports, shutdown). Target: every notebook <= 2x its floor. The floor itself is reported in seconds.

Then the orientation notebook is executed once per plotly renderer and the output size reported.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import papermill as pm

ROOT = Path(__file__).resolve().parents[1]
TARGET_RATIO = 2.0
RENDERERS = ("plotly_mimetype", "notebook", "notebook_connected")


def _execute(src: Path, out: Path, parameters: dict | None = None) -> float:
    start = time.perf_counter()
    pm.execute_notebook(
        str(src),
        str(out),
        parameters=parameters or {},
        progress_bar=False,
        kernel_name="python3",
        cwd=str(out.parent),
        shutdown_kernel="immediate",
        request_save_on_cell_execute=False,
    )
    return time.perf_counter() - start


def _imports_cell(nb) -> str:
    for cell in nb.cells:
        if cell.cell_type == "code" and "import pmcourse" in cell.source:
            return cell.source
    raise SystemExit("no imports cell found")


def _floor_notebook(imports: str, path: Path) -> Path:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(imports)])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)
    return path


def bench_times(tmp: Path, repeats: int) -> list[dict]:
    rows = []
    floors: dict[str, float] = {}
    for src in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(src, as_version=4)
        imports = _imports_cell(nb)
        if imports not in floors:
            floor_nb = _floor_notebook(imports, tmp / f"floor-{len(floors)}.ipynb")
            _execute(floor_nb, tmp / "floor-out.ipynb")  # warm the OS file cache once
            floors[imports] = statistics.median(
                _execute(floor_nb, tmp / "floor-out.ipynb") for _ in range(repeats)
            )
        times = [_execute(src, tmp / src.name) for _ in range(repeats)]
        t = statistics.median(times)
        floor = floors[imports]
        rows.append(
            {
                "notebook": src.stem,
                "seconds": t,
                "floor": floor,
                "ratio": t / floor,
                "size_kb": (tmp / src.name).stat().st_size / 1024,
            }
        )
    return rows


def bench_renderers(tmp: Path) -> list[dict]:
    src = ROOT / "notebooks" / "00-orientation.ipynb"
    rows = []
    for renderer in RENDERERS:
        nb = nbformat.read(src, as_version=4)
        idx = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
        nb.cells.insert(
            idx + 1,
            nbformat.v4.new_code_cell(
                "import plotly.io as _pio\nimport pmcourse.plots as _pp\n_pp.use_course_theme()\n"
                f"_pio.renderers.default = {renderer!r}"
            ),
        )
        path = tmp / f"renderer-{renderer}.ipynb"
        nbformat.write(nb, path)
        out = tmp / f"renderer-{renderer}-out.ipynb"
        _execute(path, out)
        executed = json.loads(out.read_text())
        figures = sum(
            1
            for c in executed["cells"]
            for o in c.get("outputs", [])
            if "application/vnd.plotly.v1+json" in o.get("data", {})
            or "plotly" in json.dumps(o.get("data", {}).get("text/html", ""))[:20000]
        )
        rows.append(
            {"renderer": renderer, "size_kb": out.stat().st_size / 1024, "figure_outputs": figures}
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="one run per notebook instead of three"
    )
    args = parser.parse_args(argv)
    repeats = 1 if args.quick else 3
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        rows = bench_times(tmp, repeats)
        print(
            f"{'notebook':<30} {'seconds':>8} {'floor s':>8} {'ratio':>6} {'target':>7} {'size KB':>8}"
        )
        for r in rows:
            ok = "ok" if r["ratio"] <= TARGET_RATIO else "MISS"
            print(
                f"{r['notebook']:<30} {r['seconds']:>8.2f} {r['floor']:>8.2f} {r['ratio']:>6.2f} "
                f"{'<=' + str(TARGET_RATIO):>7} {r['size_kb']:>8.0f}  {ok}"
            )
        print()
        print(f"{'plotly renderer (00-orientation)':<34} {'size KB':>8} {'figure outputs':>15}")
        for r in bench_renderers(tmp):
            print(f"{r['renderer']:<34} {r['size_kb']:>8.0f} {r['figure_outputs']:>15}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
