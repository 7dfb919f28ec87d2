/* zv-search.h: the full-text search vocabulary shared by the client cache and zveno-server.
 *
 * Both sides index with the same FTS5 tokenizer ("zveno": Unicode word split, case and diacritics
 * folded, ё→е, Snowball stemming for Russian and English through libstemmer) and turn what a person
 * typed into the same safe MATCH expression, so that a word found on the server is found offline too.
 */
#pragma once

#include <glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

#define ZV_SEARCH_ERROR (zv_search_error_quark ())

typedef enum {
  ZV_SEARCH_ERROR_EMPTY_QUERY,    /* nothing searchable left after folding */
  ZV_SEARCH_ERROR_SQLITE,         /* the tokenizer could not be registered */
} ZvSearchError;

/* The tokenizer name to use in CREATE VIRTUAL TABLE ... USING fts5(..., tokenize='zveno'). */
#define ZV_FTS5_TOKENIZER "zveno"

GQuark     zv_search_error_quark          (void);

/* Registers the "zveno" tokenizer on @db. Call on every connection before touching the FTS table. */
gboolean   zv_search_register_tokenizer   (sqlite3      *db,
                                           GError      **error);

/* Lower-cases, folds diacritics (but keeps й), maps ё to е. Returns a new string. */
char      *zv_search_fold                 (const char   *text);

/* The index terms of @text, in order, as FTS5 would store them (folded and stemmed). */
char     **zv_search_tokenize             (const char   *text);

/* Turns a user's query into a MATCH expression: every word must match (AND), words in quotes
 * are phrases, and with @prefix_last the last word also matches as a prefix (search while typing).
 * FTS5 syntax characters in the input are never interpreted. */
char      *zv_search_build_match          (const char   *query,
                                           gboolean      prefix_last,
                                           GError      **error);

G_END_DECLS
