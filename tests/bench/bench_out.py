"""bench_out.py: one benchmark figure as one JSON line in $ZVENO_BENCH_OUT, the format that
tests/bench/run.sh collects and tests/bench/report.py summarises (the Python twin of bench-out.c).
Does nothing when ZVENO_BENCH_OUT is unset; benchmarks print their own report either way."""
import json
import os


def emit(bench, figure, value, unit, command, anchor=None, anchor_value=None, aim=None, met=None):
    """Appends one figure. With @anchor (measured in the same run), the ratio value / anchor_value is
    written too, and @aim / @met when the figure has an aim."""
    path = os.environ.get("ZVENO_BENCH_OUT")
    if not path:
        return
    record = {"bench": bench, "figure": figure, "value": round(float(value), 4), "unit": unit,
              "command": os.environ.get("ZVENO_BENCH_COMMAND") or command}
    if anchor is not None and anchor_value:
        record.update(anchor=anchor, anchor_value=round(float(anchor_value), 4),
                      ratio=round(float(value) / float(anchor_value), 4))
        if aim is not None:
            record.update(aim=aim, met=bool(met))
    with open(path, "a") as out:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    # For shell benchmarks: bench_out.py BENCH FIGURE VALUE UNIT COMMAND [ANCHOR ANCHOR_VALUE [AIM MET]]
    import sys
    a = sys.argv[1:]
    if len(a) not in (5, 7, 9):
        raise SystemExit("usage: bench_out.py BENCH FIGURE VALUE UNIT COMMAND [ANCHOR ANCHOR_VALUE [AIM MET]]")
    emit(a[0], a[1], float(a[2]), a[3], a[4],
         anchor=a[5] if len(a) > 5 else None, anchor_value=float(a[6]) if len(a) > 5 else None,
         aim=a[7] if len(a) > 7 else None, met=a[8] in ("1", "true", "yes") if len(a) > 7 else None)
