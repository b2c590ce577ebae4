"""Plots publish-to-socket latency percentiles against delivery rate from load generator runs.

Reads JSON lines as `loadgen` prints them (docs/benchmarks.md, "The figures"), one run per line,
and draws one colour per series (the line's `label`, else its `via`) and one line style per
percentile, each series joined in rate order. Runs that lost deliveries get hollow markers:
their latency only covers what arrived. Run it through scripts/bench/plot.sh, which brings
matplotlib.
"""

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display on a benchmark machine
import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.ticker import FuncFormatter, NullLocator  # noqa: E402

# (JSON field, legend name, line style, marker)
PERCENTILES = [("p50", "p50", "-", "o"), ("p99", "p99", "--", "s"), ("p999", "p99.9", ":", "^")]
# Publish-to-socket latency targets, in ms.
TARGETS_MS = [5, 50]


def read_runs(paths):
    """Runs with latency figures, by series name; lines without any are counted as skipped."""
    series = defaultdict(list)
    skipped = 0
    for path in paths:
        with open(path, encoding="utf-8") as file:
            for number, text in enumerate(file, start=1):
                if not text.strip():
                    continue
                try:
                    run = json.loads(text)
                except json.JSONDecodeError as error:
                    sys.exit(f"plot.py: {path}:{number} is not JSON: {error}")
                latency = run.get("latency_ms")
                # No latency: nothing was delivered, so there is nothing to place on a latency axis.
                if not latency or latency.get("count", 1) == 0:
                    skipped += 1
                    continue
                series[run.get("label") or run["via"]].append(run)
    return series, skipped


def plot(series, out, title):
    fig, ax = plt.subplots(figsize=(10, 6), layout="constrained")
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    lossy_runs = 0
    for index, (name, runs) in enumerate(series.items()):
        colour = colours[index % len(colours)]
        runs.sort(key=lambda run: run["delivery_rate"])
        rates = [run["delivery_rate"] for run in runs]
        lossy = [run.get("loss", 0) > 0 for run in runs]
        lossy_runs += sum(lossy)
        for field, _, style, marker in PERCENTILES:
            values = [run["latency_ms"][field] for run in runs]
            ax.plot(rates, values, color=colour, linestyle=style, linewidth=1.2)
            for hollow in (False, True):
                points = [(r, v) for r, v, lost in zip(rates, values, lossy) if lost == hollow]
                if points:
                    ax.plot(*zip(*points), linestyle="none", marker=marker, color=colour,
                            markerfacecolor="white" if hollow else colour, markersize=6)

    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:g}"))
    for target in TARGETS_MS:
        ax.axhline(target, color="grey", linestyle="--", linewidth=0.8)
    # Targets are named on a right-hand axis, where no data point can hide the label. It copies
    # the log scale when made, so it comes after set_yscale (made before, it loses its ticks).
    targets = ax.secondary_yaxis("right")
    targets.set_yticks(TARGETS_MS, labels=[f"target {t} ms" for t in TARGETS_MS])
    targets.yaxis.set_minor_locator(NullLocator())
    targets.tick_params(colors="dimgrey", labelsize=8)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:,.0f}"))
    ax.set_xlim(left=0)
    ax.set_xlabel("delivery rate (deliveries/s)")
    ax.set_ylabel("publish-to-socket latency (ms, log scale)")
    ax.grid(True, which="major", alpha=0.3)
    ax.grid(True, which="minor", axis="y", alpha=0.1)
    ax.set_title("Publish-to-socket latency by delivery rate" + (f"\n{title}" if title else ""))

    # One legend: colours name the series, styles the percentiles.
    handles = [Line2D([], [], color=colours[i % len(colours)], linewidth=3, label=name)
               for i, name in enumerate(series)]
    handles += [Line2D([], [], color="black", linestyle=style, marker=marker, label=legend)
                for _, legend, style, marker in PERCENTILES]
    if lossy_runs:
        handles.append(Line2D([], [], color="black", linestyle="none", marker="o",
                              markerfacecolor="white", label="hollow: run lost deliveries"))
    fig.legend(handles=handles, loc="outside right upper", fontsize=9)

    Path(out).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    return lossy_runs


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", help="JSONL files of loadgen runs")
    parser.add_argument("--out", default="docs/benchmarks-latency.png", help="the PNG to write")
    parser.add_argument("--title", default="", help="the machine, e.g. '2 cores, AMD EPYC'")
    args = parser.parse_args()

    series, skipped = read_runs(args.runs)
    if not series:
        sys.exit("plot.py: no run with latency figures to plot")
    lossy = plot(series, args.out, args.title)
    runs = sum(len(runs) for runs in series.values())
    print(f"plot.py: {runs} runs in {len(series)} series ({lossy} with loss, {skipped} skipped"
          f" without latency) -> {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
