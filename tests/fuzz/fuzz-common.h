/* fuzz-common.h: what every fuzz target in tests/fuzz shares: the libFuzzer entry point, quiet
 * logging that still aborts on a critical, and an in-memory client cache with the real schema. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "zv-db.h"

G_BEGIN_DECLS

/* Implemented by each target; called by libFuzzer or by fuzz-replay.c. */
int    LLVMFuzzerTestOneInput  (const uint8_t *data,
                                size_t         size);

/* Once per process: warnings about malformed input are expected and dropped; a critical (a
 * g_return_if_fail hit, a GLib misuse) aborts, so libFuzzer reports it as a crash. */
void   zv_fuzz_init            (void);

/* Aborts with a message: an invariant of the target does not hold. */
G_NORETURN
void   zv_fuzz_fail            (const char    *format,
                                ...) G_GNUC_PRINTF (1, 2);

/* A new in-memory SQLite connection with the client cache's schema (zv-store-schema.sql, from the
 * core's resources) and the "zveno" tokenizer, as zv_store_open would leave it. */
ZvDb  *zv_fuzz_open_cache      (void);

G_END_DECLS
