#!/usr/bin/python3
"""report.py [--doc FILE.md] [--mode M] [--runs N] [--seconds S] RESULTS.jsonl...: the summary of
Zveno's benchmarks. Reads the JSON lines the benchmarks append to $ZVENO_BENCH_OUT (one figure a
line: bench, figure, value, unit, command, and with an anchor measured in the same run: anchor,
anchor_value, ratio, aim, met), takes the median of every figure over the runs, prints one Markdown
table and, with --doc, puts it in place of the text between the bench-summary markers of FILE.md
(docs/PERFORMANCE.md), leaving the rest of the file as it was. tests/bench/run.sh --report calls it.

The ratio column is the median of the per-run ratios (each figure divided by its anchor from the
same run), which is steadier on a shared machine than a ratio of two medians."""
import argparse
import datetime
import json
import os
import platform
import statistics
import sys

BEGIN = "<!-- bench-summary:begin (written by tests/bench/report.py; edits here are overwritten) -->"
END = "<!-- bench-summary:end -->"
# Benchmarks in the order a reader meets them: data, server, client, load, app, calls.
ORDER = ["seed", "search", "sync", "client-sync", "client-search", "load", "app-startup", "app-chat", "call"]


def machine():
    model, cores = "unknown CPU", 0
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name") and model == "unknown CPU":
                    model = line.split(":", 1)[1].strip()
                elif line.startswith("processor"):
                    cores += 1
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
            mem = f", {kb / 1024 / 1024:.1f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    distro = ""
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    distro = ", " + line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return f"{model}, {cores} cores{mem}{distro}, Linux {platform.release()}"


def fmt(value, unit):
    if value is None:
        return ""
    if unit in ("msgs/s", "count") or abs(value) >= 1000:
        return f"{value:,.0f}"
    if unit == "ms" and abs(value) < 10:
        return f"{value:.2f}"
    return f"{value:.1f}"


def load(paths):
    figures = {}
    for path in paths:
        with open(path) as f:
            for number, line in enumerate(f, 1):
                line = line.strip()
                if not line:
                    continue
                try:
                    record = json.loads(line)
                    key = (record["bench"], record["figure"])
                    float(record["value"])
                except (ValueError, KeyError, TypeError) as error:
                    raise SystemExit(f"{path}:{number}: not a benchmark figure ({error}): {line[:120]}")
                figures.setdefault(key, []).append(record)
    return figures


def summarise(figures):
    rows = []
    for (bench, figure), records in figures.items():
        values = [float(r["value"]) for r in records]
        row = {"bench": bench, "figure": figure, "unit": records[-1]["unit"], "runs": len(values),
               "median": statistics.median(values), "min": min(values), "max": max(values),
               "command": records[-1]["command"]}
        anchored = [r for r in records if r.get("anchor") is not None and r.get("anchor_value") is not None]
        if anchored:
            row["anchor"] = anchored[-1]["anchor"]
            row["anchor_median"] = statistics.median(float(r["anchor_value"]) for r in anchored)
            row["ratio"] = statistics.median(float(r["ratio"]) for r in anchored)
        # An aim may also be absolute (a latency bound): judged on each run's own value.
        judged = [r for r in records if "met" in r]
        if judged:
            row["aim"] = judged[-1].get("aim", "")
            row["met"] = sum(1 for r in judged if r["met"])
            row["judged"] = len(judged)
        rows.append(row)
    rows.sort(key=lambda r: (ORDER.index(r["bench"]) if r["bench"] in ORDER else len(ORDER), r["bench"]))
    return rows


def table(rows, args):
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    took = f", {int(args.seconds) // 60} min {int(args.seconds) % 60} s in all" if args.seconds else ""
    lines = [
        f"**Machine:** {machine()}. **Run:** {now}, `./run bench{' --full' if args.mode == 'full' else ''}` "
        f"({args.mode} sizes, {args.runs} runs of each benchmark{took}; load average at the end "
        f"{os.getloadavg()[0]:.1f}). Each figure is the median of its runs; a ratio is the median of "
        "the per-run ratios to the anchor measured in the same run.",
        "",
        "| figure | median | runs (min–max) | anchor | anchor median | ratio | aim | command |",
        "|---|---:|---:|---|---:|---:|---|---|",
    ]
    for r in rows:
        spread = f"{r['runs']} ({fmt(r['min'], r['unit'])}–{fmt(r['max'], r['unit'])})"
        anchor = r.get("anchor", "")
        anchor_median = f"{fmt(r['anchor_median'], r['unit'])} {r['unit']}" if anchor else ""
        ratio = f"{r['ratio']:.2f}×" if anchor else ""
        aim = ""
        if "aim" in r:
            verdict = "met" if r["met"] * 2 > r["judged"] else "**missed**"
            aim = f"{r['aim']}: {verdict} ({r['met']}/{r['judged']})"
        unit = "" if r["unit"] == "count" else " " + r["unit"]
        lines.append(f"| {r['figure']} | {fmt(r['median'], r['unit'])}{unit} | {spread} | {anchor} | "
                     f"{anchor_median} | {ratio} | {aim} | `{r['command']}` |")
    return "\n".join(lines)


def rewrite(doc, text):
    with open(doc) as f:
        content = f.read()
    begin = content.find(BEGIN)
    end = content.find(END)
    if begin < 0 or end < begin:
        raise SystemExit(f"{doc}: no summary markers; add these two lines where the table goes:\n{BEGIN}\n{END}")
    content = content[:begin + len(BEGIN)] + "\n" + text + "\n" + content[end:]
    tmp = doc + ".tmp"
    with open(tmp, "w") as f:
        f.write(content)
    os.replace(tmp, doc)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--doc")
    parser.add_argument("--mode", default="custom")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=0)
    parser.add_argument("results", nargs="+")
    args = parser.parse_args()
    rows = summarise(load(args.results))
    if not rows:
        raise SystemExit("no benchmark figures in " + ", ".join(args.results))
    text = table(rows, args)
    print(text)
    if args.doc:
        rewrite(args.doc, text)
        print(f"\nrewrote the summary table in {args.doc}", file=sys.stderr)


if __name__ == "__main__":
    main()
