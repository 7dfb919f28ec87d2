/* zv-search.c: the "zveno" FTS5 tokenizer and the query builder shared by the client cache and
 * zveno-server.
 *
 * The tokenizer wraps SQLite's unicode61 (found through xFindTokenizer, always with
 * remove_diacritics 2) for word splitting and case folding, then finishes the folding itself
 * (ё→е, й kept as й even if a future unicode61 decomposes it) and stems every token with Snowball
 * (libstemmer): Russian for Cyrillic words, English for Latin ones. Words with digits or mixed
 * scripts are indexed as they are, so contract and phone numbers stay exact.
 *
 * Prefix queries (FTS5_TOKENIZE_PREFIX) do not stem the last token: "дог*" must match the stem
 * "договор", and stemming a half-typed word would cut it somewhere else.
 */
#define G_LOG_DOMAIN "zveno-core"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include <libstemmer.h>

#include "zv-search.h"

/* More terms than this are dropped from a query: nobody types them, and FTS5 caps the depth of
 * an expression tree, so a pasted 10 KB text must not turn into a SQLite error. */
#define MAX_QUERY_TERMS 32

/* Longer "words" (base64, hashes, URLs) are indexed unstemmed; no language has such words. */
#define MAX_STEM_BYTES 96

typedef struct {
  /* owned */
  Fts5Tokenizer        *inner;
  struct sb_stemmer    *russian;
  struct sb_stemmer    *english;
  char                 *buf;
  gsize                 buf_size;
  /* borrowed */
  fts5_tokenizer        inner_api;
  gboolean              no_stem;     /* internal: folded words for the query builder */
} ZvTokenizer;

typedef int (*TokenFunc) (void *ctx, int tflags, const char *token, int n_token, int start, int end);

typedef struct {
  ZvTokenizer *tok;
  void        *ctx;
  TokenFunc    x_token;
  const char  *text;
  int          n_text;
  int          flags;
  /* Prefix queries hold one token back: only the last one is left unstemmed. */
  GString     *held;
  int          held_tflags;
  int          held_start;
  int          held_end;
} TokenizeCall;

G_DEFINE_QUARK (zv-search-error-quark, zv_search_error)

/* Folding */

static void
append_folded_char (GString *out, gunichar ch)
{
  /* A breve after и is the only combining mark we keep: й is a letter of its own in Russian,
   * and the Russian stemmer needs it to find endings such as -ый and -ий. */
  if (ch == 0x0306 && out->len >= 2 && g_str_has_suffix (out->str, "и"))
    {
      g_string_truncate (out, out->len - strlen ("и"));
      g_string_append (out, "й");
      return;
    }
  switch (g_unichar_type (ch))
    {
    case G_UNICODE_NON_SPACING_MARK:
    case G_UNICODE_ENCLOSING_MARK:
    case G_UNICODE_SPACING_MARK:
      return;
    default:
      break;
    }
  g_string_append_unichar (out, g_unichar_tolower (ch));
}

char *
zv_search_fold (const char *text)
{
  g_autofree char *valid = NULL;
  g_autofree char *nfd = NULL;
  GString *out;

  g_return_val_if_fail (text != NULL, NULL);

  valid = g_utf8_make_valid (text, -1);
  nfd = g_utf8_normalize (valid, -1, G_NORMALIZE_NFD);
  if (nfd == NULL)
    return g_steal_pointer (&valid);

  out = g_string_sized_new (strlen (nfd));
  for (const char *p = nfd; *p != '\0'; p = g_utf8_next_char (p))
    append_folded_char (out, g_utf8_get_char (p));
  return g_string_free (out, FALSE);
}

/* Tokenizer */

typedef enum {
  SCRIPT_NONE,
  SCRIPT_CYRILLIC,
  SCRIPT_LATIN,
} Script;

/* Which stemmer a folded token wants. Only words purely in one alphabet are stemmed. */
static Script
token_script (const char *token, gsize n)
{
  gboolean cyrillic = FALSE;
  gboolean latin = FALSE;

  for (gsize i = 0; i < n; )
    {
      guchar c = (guchar) token[i];

      if (c >= 'a' && c <= 'z')
        {
          latin = TRUE;
          i++;
        }
      else if ((c == 0xD0 || c == 0xD1) && i + 1 < n)
        {
          /* U+0400..U+047F: the Cyrillic letters Russian uses, plus a few neighbours. */
          cyrillic = TRUE;
          i += 2;
        }
      else if (c >= 0xC0)
        {
          /* Another non-ASCII letter: Latin with diacritics was already folded by unicode61,
           * so what is left here is another script. Stemming it as English would be wrong. */
          return SCRIPT_NONE;
        }
      else
        return SCRIPT_NONE; /* digits, stray bytes */
    }
  if (cyrillic && !latin)
    return SCRIPT_CYRILLIC;
  if (latin && !cyrillic)
    return SCRIPT_LATIN;
  return SCRIPT_NONE;
}

static gboolean
reserve_buf (ZvTokenizer *tok, gsize size)
{
  if (size <= tok->buf_size)
    return TRUE;
  tok->buf_size = MAX (size, 2 * tok->buf_size);
  tok->buf = g_realloc (tok->buf, tok->buf_size);
  return TRUE;
}

static gboolean
contains_i_kratkoe (const char *s, gsize n)
{
  /* й is D0 B9, Й is D0 99 in UTF-8. */
  for (gsize i = 0; i + 1 < n; i++)
    if ((guchar) s[i] == 0xD0 && ((guchar) s[i + 1] == 0xB9 || (guchar) s[i + 1] == 0x99))
      return TRUE;
  return FALSE;
}

/* Copies unicode61's token into tok->buf, finishing the folding. Returns its length. */
static gsize
fold_token (TokenizeCall *call, const char *token, int n_token, int start, int end)
{
  ZvTokenizer *tok = call->tok;
  gsize n = (gsize) n_token;

  /* unicode61 with remove_diacritics 2 may decompose й into и + breve and drop the breve (its
   * tables changed between releases). When the source had й but the token lost it, fold the
   * source span ourselves instead. */
  if (start >= 0 && end <= call->n_text && start < end &&
      contains_i_kratkoe (call->text + start, (gsize) (end - start)) &&
      !contains_i_kratkoe (token, n))
    {
      g_autofree char *span = g_strndup (call->text + start, (gsize) (end - start));
      g_autofree char *folded = zv_search_fold (span);

      n = strlen (folded);
      reserve_buf (tok, n + 1);
      memcpy (tok->buf, folded, n);
      return n;
    }

  reserve_buf (tok, n + 1);
  memcpy (tok->buf, token, n);
  /* ё (D1 91) → е (D0 B5): same length, so in place. */
  for (gsize i = 0; i + 1 < n; i++)
    if ((guchar) tok->buf[i] == 0xD1 && (guchar) tok->buf[i + 1] == 0x91)
      {
        tok->buf[i] = (char) 0xD0;
        tok->buf[i + 1] = (char) 0xB5;
        i++;
      }
  return n;
}

/* Stems tok->buf[0..n) in place if the word is Russian or English; returns the new length, or -1
 * when the stemmer ran out of memory. */
static int
stem_token (ZvTokenizer *tok, gsize n)
{
  struct sb_stemmer *stemmer = NULL;
  const sb_symbol *stem;
  int len;

  if (tok->no_stem || n == 0 || n > MAX_STEM_BYTES)
    return (int) n;

  switch (token_script (tok->buf, n))
    {
    case SCRIPT_CYRILLIC:
      stemmer = tok->russian;
      break;
    case SCRIPT_LATIN:
      stemmer = tok->english;
      break;
    case SCRIPT_NONE:
    default:
      return (int) n;
    }

  if (!g_utf8_validate_len (tok->buf, n, NULL))
    return (int) n;

  stem = sb_stemmer_stem (stemmer, (const sb_symbol *) tok->buf, (int) n);
  if (stem == NULL)
    return -1;
  len = sb_stemmer_length (stemmer);
  /* The stemmer's buffer is reused on the next call: copy out now. */
  if (len > 0 && (gsize) len <= n)
    memcpy (tok->buf, stem, (gsize) len);
  else if (len > 0)
    {
      reserve_buf (tok, (gsize) len + 1);
      memcpy (tok->buf, stem, (gsize) len);
    }
  else
    len = (int) n; /* never index an empty term */
  return len;
}

static int
emit_held (TokenizeCall *call, gboolean stem)
{
  ZvTokenizer *tok = call->tok;
  int len;

  reserve_buf (tok, call->held->len + 1);
  memcpy (tok->buf, call->held->str, call->held->len);
  len = stem ? stem_token (tok, call->held->len) : (int) call->held->len;
  if (len < 0)
    return SQLITE_NOMEM;
  g_string_truncate (call->held, 0);
  return call->x_token (call->ctx, call->held_tflags, tok->buf, len, call->held_start, call->held_end);
}

static int
on_inner_token (void       *ctx,
                int         tflags,
                const char *token,
                int         n_token,
                int         start,
                int         end)
{
  TokenizeCall *call = ctx;
  gsize n;
  int len;

  if (call->flags & FTS5_TOKENIZE_PREFIX)
    {
      int rc = SQLITE_OK;

      /* Before folding this token: both use tok->buf. */
      if (call->held->len > 0)
        rc = emit_held (call, TRUE);
      if (rc != SQLITE_OK)
        return rc;
      n = fold_token (call, token, n_token, start, end);
      g_string_append_len (call->held, call->tok->buf, (gssize) n);
      call->held_tflags = tflags;
      call->held_start = start;
      call->held_end = end;
      return SQLITE_OK;
    }

  n = fold_token (call, token, n_token, start, end);
  len = stem_token (call->tok, n);
  if (len < 0)
    return SQLITE_NOMEM;
  return call->x_token (call->ctx, tflags, call->tok->buf, len, start, end);
}

static int
zv_tokenizer_tokenize (Fts5Tokenizer *handle,
                       void          *ctx,
                       int            flags,
                       const char    *text,
                       int            n_text,
                       TokenFunc      x_token)
{
  ZvTokenizer *tok = (ZvTokenizer *) handle;
  TokenizeCall call = {
    .tok = tok, .ctx = ctx, .x_token = x_token,
    .text = text, .n_text = n_text, .flags = flags,
  };
  int rc;

  if (flags & FTS5_TOKENIZE_PREFIX)
    call.held = g_string_new (NULL);

  rc = tok->inner_api.xTokenize (tok->inner, &call, flags, text, n_text, on_inner_token);

  if (call.held != NULL)
    {
      if (rc == SQLITE_OK && call.held->len > 0)
        rc = emit_held (&call, FALSE);
      g_string_free (call.held, TRUE);
    }
  return rc;
}

static void
zv_tokenizer_delete (Fts5Tokenizer *handle)
{
  ZvTokenizer *tok = (ZvTokenizer *) handle;

  if (tok == NULL)
    return;
  if (tok->inner != NULL)
    tok->inner_api.xDelete (tok->inner);
  g_clear_pointer (&tok->russian, sb_stemmer_delete);
  g_clear_pointer (&tok->english, sb_stemmer_delete);
  g_free (tok->buf);
  g_free (tok);
}

/* @api is the connection's fts5_api, passed as the tokenizer's context at registration. */
static int
zv_tokenizer_create (void           *api_ptr,
                     const char    **args,
                     int             n_args,
                     Fts5Tokenizer **out)
{
  fts5_api *api = api_ptr;
  ZvTokenizer *tok;
  void *inner_ctx = NULL;
  g_autoptr(GPtrArray) inner_args = g_ptr_array_new ();
  int rc;

  *out = NULL;
  tok = g_new0 (ZvTokenizer, 1);

  rc = api->xFindTokenizer (api, "unicode61", &inner_ctx, &tok->inner_api);
  if (rc != SQLITE_OK)
    {
      g_free (tok);
      return rc;
    }

  /* Ours first: arguments from the table definition (tokenchars, separators) come after and may
   * refine unicode61, but we always want diacritics folded. */
  g_ptr_array_add (inner_args, (gpointer) "remove_diacritics");
  g_ptr_array_add (inner_args, (gpointer) "2");
  for (int i = 0; i < n_args; i++)
    g_ptr_array_add (inner_args, (gpointer) args[i]);

  rc = tok->inner_api.xCreate (inner_ctx, (const char **) inner_args->pdata, (int) inner_args->len,
                               &tok->inner);
  if (rc != SQLITE_OK)
    {
      zv_tokenizer_delete ((Fts5Tokenizer *) tok);
      return rc;
    }

  /* One pair of stemmers per tokenizer instance: an instance belongs to one connection, and
   * libstemmer's state (and output buffer) must never be shared between threads. */
  tok->russian = sb_stemmer_new ("russian", "UTF_8");
  tok->english = sb_stemmer_new ("english", "UTF_8");
  if (tok->russian == NULL || tok->english == NULL)
    {
      zv_tokenizer_delete ((Fts5Tokenizer *) tok);
      return SQLITE_NOMEM;
    }

  tok->buf_size = 64;
  tok->buf = g_malloc (tok->buf_size);
  *out = (Fts5Tokenizer *) tok;
  return SQLITE_OK;
}

static fts5_tokenizer zv_tokenizer_api = {
  zv_tokenizer_create,
  zv_tokenizer_delete,
  zv_tokenizer_tokenize,
};

static fts5_api *
get_fts5_api (sqlite3  *db,
              GError  **error)
{
  fts5_api *api = NULL;
  sqlite3_stmt *stmt = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (db, "SELECT fts5(?1)", -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_pointer (stmt, 1, (void *) &api, "fts5_api_ptr", NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);

  if (api == NULL || (rc != SQLITE_ROW && rc != SQLITE_DONE))
    {
      g_set_error (error, ZV_SEARCH_ERROR, ZV_SEARCH_ERROR_SQLITE,
                   _("Search is unavailable: %s"), sqlite3_errmsg (db));
      return NULL;
    }
  if (api->iVersion < 2)
    {
      g_set_error (error, ZV_SEARCH_ERROR, ZV_SEARCH_ERROR_SQLITE,
                   _("Search is unavailable: the full-text module of SQLite is too old (version %d)"),
                   api->iVersion);
      return NULL;
    }
  return api;
}

gboolean
zv_search_register_tokenizer (sqlite3  *db,
                              GError  **error)
{
  fts5_api *api;
  int rc;

  g_return_val_if_fail (db != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  api = get_fts5_api (db, error);
  if (api == NULL)
    return FALSE;

  rc = api->xCreateTokenizer (api, ZV_FTS5_TOKENIZER, api, &zv_tokenizer_api, NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, ZV_SEARCH_ERROR, ZV_SEARCH_ERROR_SQLITE,
                   _("Search is unavailable: %s"), sqlite3_errstr (rc));
      return FALSE;
    }
  return TRUE;
}

/* Tokenizing outside a table */

/* zv_search_tokenize() needs unicode61, which only an FTS5 connection hands out: one private
 * in-memory connection serves the whole process and is never closed. Tokenizer instances made
 * from it are per call, so threads never share one. */
static fts5_api *
shared_fts5_api (void)
{
  static gsize once;
  static fts5_api *api;

  if (g_once_init_enter (&once))
    {
      sqlite3 *db = NULL;
      g_autoptr(GError) error = NULL;

      if (sqlite3_open_v2 (":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) == SQLITE_OK)
        api = get_fts5_api (db, &error);
      if (api == NULL)
        g_critical ("FTS5 is unavailable: %s", error ? error->message : sqlite3_errmsg (db));
      g_once_init_leave (&once, 1);
    }
  return api;
}

static int
collect_token (void       *ctx,
               int         tflags,
               const char *token,
               int         n_token,
               int         start,
               int         end)
{
  GPtrArray *terms = ctx;

  if (tflags & FTS5_TOKEN_COLOCATED)
    return SQLITE_OK;
  g_ptr_array_add (terms, g_strndup (token, (gsize) n_token));
  return SQLITE_OK;
}

/* Adds the tokens of @text (document mode) to @terms; stemmed unless @stem is FALSE. */
static void
tokenize_into (const char *text,
               gsize       len,
               gboolean    stem,
               GPtrArray  *terms)
{
  fts5_api *api = shared_fts5_api ();
  Fts5Tokenizer *handle = NULL;

  if (api == NULL || len == 0)
    return;
  if (zv_tokenizer_create (api, NULL, 0, &handle) != SQLITE_OK)
    return;
  ((ZvTokenizer *) handle)->no_stem = !stem;
  zv_tokenizer_tokenize (handle, terms, FTS5_TOKENIZE_DOCUMENT, text, (int) MIN (len, G_MAXINT),
                         collect_token);
  zv_tokenizer_delete (handle);
}

char **
zv_search_tokenize (const char *text)
{
  g_autofree char *valid = NULL;
  GPtrArray *terms;

  g_return_val_if_fail (text != NULL, NULL);

  valid = g_utf8_make_valid (text, -1);
  terms = g_ptr_array_new ();
  tokenize_into (valid, strlen (valid), TRUE, terms);
  g_ptr_array_add (terms, NULL);
  return (char **) g_ptr_array_free (terms, FALSE);
}

/* Query building */

typedef struct {
  GPtrArray *words;     /* folded, unstemmed: FTS5 stems them again when it parses the query */
  gboolean   closed;    /* a quoted phrase the user finished with a closing quote */
} Term;

static void
term_free (Term *term)
{
  g_ptr_array_unref (term->words);
  g_free (term);
}

static void
add_term (GPtrArray  *terms,
          const char *text,
          gsize       len,
          gboolean    closed)
{
  Term *term;

  if (terms->len >= MAX_QUERY_TERMS)
    return;
  term = g_new0 (Term, 1);
  term->words = g_ptr_array_new_with_free_func (g_free);
  term->closed = closed;
  tokenize_into (text, len, FALSE, term->words);
  if (term->words->len == 0)
    {
      term_free (term);
      return;
    }
  g_ptr_array_add (terms, term);
}

/* The phrase as an FTS5 string. Words hold only letters and digits (the tokenizer split them), so
 * nothing inside the quotes can be FTS5 syntax; quotes are doubled anyway, to stay safe if the
 * tokenizer is ever given tokenchars. */
static void
append_phrase (GString *out, Term *term)
{
  g_string_append_c (out, '"');
  for (guint i = 0; i < term->words->len; i++)
    {
      const char *w = g_ptr_array_index (term->words, i);

      if (i > 0)
        g_string_append_c (out, ' ');
      for (const char *p = w; *p != '\0'; p++)
        {
          if (*p == '"')
            g_string_append_c (out, '"');
          g_string_append_c (out, *p);
        }
    }
  g_string_append_c (out, '"');
}

char *
zv_search_build_match (const char  *query,
                       gboolean     prefix_last,
                       GError     **error)
{
  g_autofree char *valid = NULL;
  g_autoptr(GPtrArray) terms = g_ptr_array_new_with_free_func ((GDestroyNotify) term_free);
  GString *out;
  const char *p;

  g_return_val_if_fail (query != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  valid = g_utf8_make_valid (query, -1);
  p = valid;
  while (*p != '\0' && terms->len < MAX_QUERY_TERMS)
    {
      gunichar ch = g_utf8_get_char (p);

      if (g_unichar_isspace (ch))
        p = g_utf8_next_char (p);
      else if (ch == '"')
        {
          /* An unbalanced quote runs to the end: that is a phrase still being typed. */
          const char *start = p + 1;
          const char *close = strchr (start, '"');
          const char *stop = close ? close : start + strlen (start);

          add_term (terms, start, (gsize) (stop - start), close != NULL);
          p = close ? close + 1 : stop;
        }
      else
        {
          const char *start = p;

          while (*p != '\0' && *p != '"' && !g_unichar_isspace (g_utf8_get_char (p)))
            p = g_utf8_next_char (p);
          add_term (terms, start, (gsize) (p - start), FALSE);
        }
    }

  if (terms->len == 0)
    {
      g_set_error_literal (error, ZV_SEARCH_ERROR, ZV_SEARCH_ERROR_EMPTY_QUERY,
                           _("Type a word to search for"));
      return NULL;
    }

  out = g_string_new (NULL);
  for (guint i = 0; i < terms->len; i++)
    {
      Term *term = g_ptr_array_index (terms, i);
      gboolean last = i + 1 == terms->len;

      if (i > 0)
        g_string_append (out, " AND ");
      if (last && prefix_last && !term->closed)
        {
          /* Both: the prefix (unstemmed, "дог" → договор) and the whole word stemmed, because a
           * finished word such as "договоров" is not a prefix of its own stem "договор". */
          g_string_append_c (out, '(');
          append_phrase (out, term);
          g_string_append (out, " OR ");
          append_phrase (out, term);
          g_string_append (out, "*)");
        }
      else
        append_phrase (out, term);
    }
  return g_string_free (out, FALSE);
}
