/* bench-out.h: one benchmark figure as one JSON line in $ZVENO_BENCH_OUT (the shared format that
 * tests/bench/run.sh collects and tests/bench/report.py summarises into docs/PERFORMANCE.md). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Appends {"bench", "figure", "value", "unit", "command"} when ZVENO_BENCH_OUT is set; the command
 * is $ZVENO_BENCH_COMMAND (what run.sh was asked to do), else @fallback_command. Does nothing
 * otherwise: the human-readable report is printed by the benchmark itself either way. */
void bench_out (const char *bench,
                const char *figure,
                double      value,
                const char *unit,
                const char *fallback_command);

G_END_DECLS
