/* zv-seed-messages.c: the demo company's history: conversations in bursts, written along the
 * office clock in Russian and English from the corpus templates, with replies, edits, deletions,
 * reactions and attachments; then read markers, call history and the attachment files on disk. */
#define G_LOG_DOMAIN "zveno-server"

#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <string.h>

#include "zv-seed-corpus.h"
#include "zv-seed-private.h"

#define SECOND_MS       ((gint64) 1000)
#define MINUTE_MS       (60 * SECOND_MS)
#define MOSCOW_OFFSET_S (3 * 3600)
#define BATCH_MESSAGES  50000
#define POOL_PER_TYPE   40

/* Probabilities that shape the history; the share of English follows from who is in which chat. */
#define P_CONTINUE_REPLY 0.55
#define P_GREETING       0.20
#define P_SECOND_LINE    0.25
#define P_EMOJI          0.10
#define P_REPLY_TO       0.30
#define P_FILE           0.03
#define P_EDITED         0.04
#define P_DELETED        0.01
#define P_REACTION       0.06

typedef struct {
  ZvSeeder   *s;
  ZvSeedChat *chat;
  ZvSeedUser *sender;
  gint        sender_slot;  /* the sender's position in chat->members, -1 before there is one */
  gboolean    english;
  gint64      time;
  gint64      contract_pool;
  gint64      invoice_pool;
} TextCtx;

static ZvSeedUser *
user_at (ZvSeeder *s, guint index)
{
  return s->users->pdata[index];
}

/* The position in the chat's member list of a member other than the sender (every chat has two
 * members at least). */
static guint
other_slot (TextCtx *c)
{
  guint n = c->chat->members->len;
  guint k;

  if (c->sender_slot < 0 || n < 2)
    return (guint) zv_seed_rng_range (&c->s->rng, n);
  k = (guint) zv_seed_rng_range (&c->s->rng, n - 1);
  return k >= (guint) c->sender_slot ? k + 1 : k;
}

static ZvSeedUser *
other_member (TextCtx *c)
{
  return user_at (c->s, g_array_index (c->chat->members, guint, other_slot (c)));
}

static void
append_grouped (GString *out, gint64 value, const char *sep)
{
  g_autofree char *digits = g_strdup_printf ("%" G_GINT64_FORMAT, value);
  gsize n = strlen (digits);

  for (gsize i = 0; i < n; i++)
    {
      if (i > 0 && (n - i) % 3 == 0)
        g_string_append (out, sep);
      g_string_append_c (out, digits[i]);
    }
}

static void
append_date (TextCtx *c, GString *out)
{
  static const char *const months_ru[] = { "января", "февраля", "марта", "апреля", "мая", "июня", "июля",
                                           "августа", "сентября", "октября", "ноября", "декабря" };
  static const char *const months_en[] = { "January", "February", "March", "April", "May", "June", "July",
                                           "August", "September", "October", "November", "December" };
  gint64 t = c->time / 1000 + MOSCOW_OFFSET_S + (gint64) zv_seed_rng_range (&c->s->rng, 22) * 86400;
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (t);
  int day = g_date_time_get_day_of_month (dt);
  int month = g_date_time_get_month (dt);

  if (c->english)
    g_string_append_printf (out, "%s %d", months_en[month - 1], day);
  else if (zv_seed_rng_chance (&c->s->rng, 0.5))
    g_string_append_printf (out, "%02d.%02d", day, month);
  else
    g_string_append_printf (out, "%d %s", day, months_ru[month - 1]);
}

static const ZvSeedCompany *
chat_company (TextCtx *c)
{
  /* A client chat talks about its own client; others about any client in their language. */
  for (guint i = 0; c->chat->external && i < c->chat->members->len; i++)
    {
      ZvSeedUser *u = user_at (c->s, g_array_index (c->chat->members, guint, i));
      if (u->external)
        return &zv_seed_companies[u->company];
    }
  for (int tries = 0; tries < 8; tries++)
    {
      const ZvSeedCompany *co = &PICK (&c->s->rng, zv_seed_companies);
      if (co->english == c->english)
        return co;
    }
  return &zv_seed_companies[0];
}

static void
append_slot (TextCtx *c, const char *key, gsize len, GString *out)
{
  ZvSeeder *s = c->s;
  ZvSeedRng *r = &s->rng;

#define IS(name) (len == strlen (name) && strncmp (key, name, len) == 0)
  if (IS ("name"))
    g_string_append (out, other_member (c)->first);
  else if (IS ("date"))
    append_date (c, out);
  else if (IS ("time"))
    g_string_append_printf (out, "%02u:%02u", 9 + (guint) zv_seed_rng_range (r, 10), 15 * (guint) zv_seed_rng_range (r, 4));
  else if (IS ("day"))
    {
      static const char *const ru[] = { "понедельник", "вторник", "среду", "четверг", "пятницу" };
      static const char *const en[] = { "Monday", "Tuesday", "Wednesday", "Thursday", "Friday" };
      g_string_append (out, c->english ? en[zv_seed_rng_range (r, 5)] : ru[zv_seed_rng_range (r, 5)]);
    }
  else if (IS ("phone"))
    {
      double x = zv_seed_rng_double (r);
      g_autofree char *gen = NULL;

      if (x < 0.3)
        g_string_append (out, user_at (s, (guint) zv_seed_rng_range (r, s->users->len))->mobile);
      else if (x < 0.6 && s->crm->len > 0)
        {
          const char *card = s->crm->pdata[zv_seed_rng_range (r, s->crm->len)];
          g_string_append_len (out, card, strchr (card, '\n') - card);
        }
      else
        {
          gen = c->english ? zv_seed_english_mobile (s) : zv_seed_russian_mobile (s);
          if (!c->english && zv_seed_rng_chance (r, 0.3))
            {
              /* People also write numbers their own way: 8 916 1234567. */
              GString *digits = g_string_new ("8 ");
              for (const char *p = gen + 3; *p; p++)
                if (g_ascii_isdigit (*p))
                  g_string_append_c (digits, *p);
              g_string_insert_c (digits, 5, ' ');
              g_free (gen);
              gen = g_string_free (digits, FALSE);
            }
          g_string_append (out, gen);
        }
    }
  else if (IS ("contract"))
    {
      gint64 k = (gint64) zv_seed_rng_skewed (r, (gsize) c->contract_pool);
      g_string_append_printf (out, c->english ? "#%d-%04d" : "№ %d-%04d", 2024 + (int) (k % 3), (int) (k + 1));
    }
  else if (IS ("invoice"))
    g_string_append_printf (out, c->english ? "INV-%05d" : "СЧ-%05d",
                            (int) (1 + zv_seed_rng_range (r, (guint64) c->invoice_pool)));
  else if (IS ("amount"))
    append_grouped (out, (gint64) (1 + zv_seed_rng_skewed (r, 2500)) * 1000 + (gint64) zv_seed_rng_range (r, 10) * 100,
                    c->english ? "," : " ");
  else if (IS ("project"))
    g_string_append (out, zv_seed_project_names[c->chat->project]);
  else if (IS ("client"))
    g_string_append (out, chat_company (c)->name);
  else if (IS ("city"))
    g_string_append (out, PICK (r, zv_seed_cities));
  else if (IS ("topic"))
    g_string_append (out, zv_seed_topics_ru[zv_seed_rng_skewed (r, zv_seed_topics_ru_len)].nominative);
  else if (IS ("topic_acc"))
    g_string_append (out, zv_seed_topics_ru[zv_seed_rng_skewed (r, zv_seed_topics_ru_len)].accusative);
  else if (IS ("thing"))
    g_string_append (out, zv_seed_things_en[zv_seed_rng_skewed (r, zv_seed_things_en_len)]);
  else if (IS ("ticket"))
    g_string_append_printf (out, "OPS-%u", 1000 + (guint) zv_seed_rng_range (r, 9000));
  else if (IS ("sku"))
    g_string_append_printf (out, "SKU-%05u", (guint) zv_seed_rng_range (r, 5000));
  else if (IS ("email"))
    g_string_append (out, user_at (s, (guint) zv_seed_rng_range (r, s->users->len))->email);
  else if (IS ("ext"))
    g_string_append (out, *c->sender->extension ? c->sender->extension
                                                  : user_at (s, (guint) zv_seed_rng_range (r, s->n_internal))->extension);
  else if (IS ("num"))
    g_string_append_printf (out, "%u", 2 + (guint) zv_seed_rng_skewed (r, 5000));
  else if (IS ("emoji"))
    g_string_append (out, PICK (r, zv_seed_emoji));
  else
    g_string_append_len (out, key - 1, (gssize) len + 2); /* unknown: keep it visible */
#undef IS
}

static void
fill (TextCtx *c, const char *template, GString *out)
{
  for (const char *p = template; *p; )
    {
      const char *close;

      if (*p == '{' && (close = strchr (p, '}')) != NULL)
        {
          append_slot (c, p + 1, (gsize) (close - p - 1), out);
          p = close + 1;
        }
      else
        g_string_append_c (out, *p++);
    }
}

static void
append_line (TextCtx *c, const char *const *list, gsize len, GString *out)
{
  gsize start;

  if (out->len > 0)
    g_string_append_c (out, ' ');
  start = out->len;
  fill (c, list[zv_seed_rng_range (&c->s->rng, len)], out);
  /* A slot may open the line ("{topic} ..."): sentences start with a capital. */
  if (start < out->len)
    {
      gunichar first = g_utf8_get_char (out->str + start);
      if (g_unichar_islower (first))
        {
          char upper[8];
          gint n_upper = g_unichar_to_utf8 (g_unichar_toupper (first), upper);
          gint n_first = (gint) (g_utf8_next_char (out->str + start) - (out->str + start));
          g_string_erase (out, (gssize) start, n_first);
          g_string_insert_len (out, (gssize) start, upper, n_upper);
        }
    }
}

#define APPEND_LINE(c, list, out) append_line ((c), (list), list##_len, (out))

static void
compose (TextCtx *c, gboolean reply, gboolean new_burst, GString *out)
{
  ZvSeedRng *r = &c->s->rng;

  if (reply)
    {
      if (c->english)
        APPEND_LINE (c, zv_seed_en_replies, out);
      else
        APPEND_LINE (c, zv_seed_ru_replies, out);
    }
  else
    {
      if (new_burst && zv_seed_rng_chance (r, P_GREETING))
        {
          if (c->english)
            APPEND_LINE (c, zv_seed_en_greetings, out);
          else
            APPEND_LINE (c, zv_seed_ru_greetings, out);
        }
      if (c->english)
        APPEND_LINE (c, zv_seed_en_openers, out);
      else
        APPEND_LINE (c, zv_seed_ru_openers, out);
      if (zv_seed_rng_chance (r, P_SECOND_LINE))
        {
          if (c->english)
            APPEND_LINE (c, zv_seed_en_openers, out);
          else
            APPEND_LINE (c, zv_seed_ru_openers, out);
        }
    }
  if (zv_seed_rng_chance (r, P_EMOJI))
    {
      g_string_append_c (out, ' ');
      g_string_append (out, PICK (r, zv_seed_emoji));
    }
}

/* Attachments */

static void
seed_file_free (ZvSeedFile *f)
{
  g_free (f->sha256);
  g_free (f->extension);
  g_free (f->content_type);
  g_bytes_unref (f->bytes);
  g_free (f);
}

/* A one-page PDF that any viewer opens; the xref offsets are computed, not guessed. */
static GBytes *
make_pdf (const char *line)
{
  GString *pdf = g_string_new ("%PDF-1.4\n");
  gsize offsets[6];
  g_autofree char *stream = g_strdup_printf ("BT /F1 16 Tf 72 770 Td (%s) Tj ET", line);
  gsize xref;

  offsets[1] = pdf->len;
  g_string_append (pdf, "1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n");
  offsets[2] = pdf->len;
  g_string_append (pdf, "2 0 obj <</Type /Pages /Kids [3 0 R] /Count 1>> endobj\n");
  offsets[3] = pdf->len;
  g_string_append (pdf, "3 0 obj <</Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
                        "/Resources <</Font <</F1 5 0 R>>>>>> endobj\n");
  offsets[4] = pdf->len;
  g_string_append_printf (pdf, "4 0 obj <</Length %zu>> stream\n%s\nendstream endobj\n", strlen (stream), stream);
  offsets[5] = pdf->len;
  g_string_append (pdf, "5 0 obj <</Type /Font /Subtype /Type1 /BaseFont /Helvetica>> endobj\n");
  xref = pdf->len;
  g_string_append (pdf, "xref\n0 6\n0000000000 65535 f \n");
  for (int i = 1; i <= 5; i++)
    g_string_append_printf (pdf, "%010zu 00000 n \n", offsets[i]);
  g_string_append_printf (pdf, "trailer <</Size 6 /Root 1 0 R>>\nstartxref\n%zu\n%%%%EOF\n", xref);
  return g_string_free_to_bytes (pdf);
}

static ZvSeedFile *
make_pool_file (TextCtx *c, const char *ext, guint n)
{
  static const guchar png_1x1[] = {
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82 };
  ZvSeedRng *r = &c->s->rng;
  ZvSeedFile *f = g_new0 (ZvSeedFile, 1);
  GString *text = g_string_new (NULL);

  f->extension = g_strdup (ext);
  if (g_str_equal (ext, "pdf"))
    {
      g_autofree char *line = g_strdup_printf ("Nordwind demo document %u, page 1", n + 1);
      f->content_type = g_strdup ("application/pdf");
      f->bytes = make_pdf (line);
    }
  else if (g_str_equal (ext, "png"))
    {
      f->content_type = g_strdup ("image/png");
      f->bytes = g_bytes_new_static (png_1x1, sizeof png_1x1);
    }
  else if (g_str_equal (ext, "csv"))
    {
      f->content_type = g_strdup ("text/csv");
      g_string_append (text, "sku;qty;price\n");
      for (guint i = 0, rows = 5 + (guint) zv_seed_rng_range (r, 40); i < rows; i++)
        g_string_append_printf (text, "SKU-%05u;%u;%u.%02u\n", (guint) zv_seed_rng_range (r, 5000),
                                1 + (guint) zv_seed_rng_range (r, 500), (guint) zv_seed_rng_range (r, 90000),
                                (guint) zv_seed_rng_range (r, 100));
    }
  else if (g_str_equal (ext, "log"))
    {
      f->content_type = g_strdup ("text/plain");
      for (guint i = 0, rows = 10 + (guint) zv_seed_rng_range (r, 40); i < rows; i++)
        g_string_append_printf (text, "2026-%02u-%02uT%02u:%02u:%02uZ %s worker[%u]: job %u finished\n",
                                1 + (guint) zv_seed_rng_range (r, 11), 1 + (guint) zv_seed_rng_range (r, 28),
                                (guint) zv_seed_rng_range (r, 24), (guint) zv_seed_rng_range (r, 60),
                                (guint) zv_seed_rng_range (r, 60), zv_seed_rng_chance (r, 0.1) ? "WARN" : "INFO",
                                (guint) zv_seed_rng_range (r, 30000), (guint) zv_seed_rng_range (r, 100000));
    }
  else
    {
      f->content_type = g_strdup ("text/plain; charset=utf-8");
      for (guint i = 0, rows = 3 + (guint) zv_seed_rng_range (r, 8); i < rows; i++)
        {
          APPEND_LINE (c, zv_seed_ru_openers, text);
          g_string_append_c (text, '\n');
        }
    }
  if (f->bytes == NULL)
    f->bytes = g_bytes_new (text->str, text->len);
  g_string_free (text, TRUE);
  f->sha256 = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, f->bytes);
  return f;
}

/* A few hundred distinct contents serve every attachment: files rows are uploads, and many uploads
 * of one content share one blob on disk, as the server stores them by sha256. */
static ZvSeedFile *
pool_file (TextCtx *c, const char *ext)
{
  ZvSeeder *s = c->s;
  guint have = 0;
  guint want;

  for (guint i = 0; i < s->file_pool->len; i++)
    have += g_str_equal (((ZvSeedFile *) s->file_pool->pdata[i])->extension, ext);
  want = g_str_equal (ext, "png") ? 1 : POOL_PER_TYPE;
  if (have < want && (have == 0 || zv_seed_rng_chance (&s->rng, 0.5)))
    {
      ZvSeedFile *f = make_pool_file (c, ext, have);
      g_ptr_array_add (s->file_pool, f);
      return f;
    }
  for (guint k = (guint) zv_seed_rng_range (&s->rng, have), i = 0; i < s->file_pool->len; i++)
    {
      ZvSeedFile *f = s->file_pool->pdata[i];
      if (g_str_equal (f->extension, ext) && k-- == 0)
        return f;
    }
  g_assert_not_reached ();
}

static gboolean
attach_file (TextCtx *c, gint64 message_id, GError **error)
{
  ZvSeeder *s = c->s;
  const char *template = c->english ? PICK (&s->rng, zv_seed_en_file_names) : PICK (&s->rng, zv_seed_ru_file_names);
  const char *ext = strrchr (template, '.') + 1;
  ZvSeedFile *f = pool_file (c, ext);
  g_autofree char *label = NULL;
  g_autofree char *name = NULL;
  sqlite3_stmt *stmt;
  gint64 file_id;

  if (zv_seed_rng_chance (&s->rng, 0.5))
    label = g_strdup_printf ("%d-%04u", 2024 + (int) zv_seed_rng_range (&s->rng, 3), (guint) zv_seed_rng_range (&s->rng, 2000));
  else
    {
      g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (c->time / 1000);
      label = g_date_time_format (dt, "%Y-%m-%d");
    }
  name = zv_seed_subst_s (template, label);

  stmt = zv_seed_prep (s, "INSERT INTO files (sha256, size, name, content_type, uploader_id, created_at) "
                          "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  zv_seed_bind_text (stmt, 1, f->sha256);
  sqlite3_bind_int64 (stmt, 2, (gint64) g_bytes_get_size (f->bytes));
  zv_seed_bind_text (stmt, 3, name);
  zv_seed_bind_text (stmt, 4, f->content_type);
  sqlite3_bind_int64 (stmt, 5, c->sender->id);
  sqlite3_bind_int64 (stmt, 6, c->time - 5 * SECOND_MS);
  if (!zv_seed_done (s, stmt, error))
    return FALSE;
  file_id = sqlite3_last_insert_rowid (s->handle);

  stmt = zv_seed_prep (s, "INSERT INTO message_files (message_id, file_id, position) VALUES (?1, ?2, 0)");
  sqlite3_bind_int64 (stmt, 1, message_id);
  sqlite3_bind_int64 (stmt, 2, file_id);
  s->n_files_made++;
  return zv_seed_done (s, stmt, error);
}

/* Messages */

/* A UUIDv7: the sender's idempotency key, time-ordered like the ones clients generate. */
static void
make_client_id (ZvSeedRng *r, gint64 ms, char out[37])
{
  guint64 a = zv_seed_rng_next (r);
  guint64 b = zv_seed_rng_next (r);

  g_snprintf (out, 37, "%08x-%04x-7%03x-%04x-%012" G_GINT64_MODIFIER "x",
              (guint) ((guint64) ms >> 16), (guint) ((guint64) ms & 0xFFFF), (guint) (a & 0xFFF),
              (guint) (0x8000 | ((a >> 12) & 0x3FFF)), b & G_GUINT64_CONSTANT (0xFFFFFFFFFFFF));
}

static gboolean
add_reactions (TextCtx *c, gint64 message_id, GError **error)
{
  ZvSeeder *s = c->s;
  guint n = 1 + (guint) zv_seed_rng_skewed (&s->rng, 3);

  for (guint i = 0; i < n; i++)
    {
      sqlite3_stmt *stmt = zv_seed_prep (s, "INSERT OR IGNORE INTO reactions (message_id, user_id, emoji, created_at) "
                                            "VALUES (?1, ?2, ?3, ?4)");
      sqlite3_bind_int64 (stmt, 1, message_id);
      sqlite3_bind_int64 (stmt, 2, other_member (c)->id);
      zv_seed_bind_text (stmt, 3, PICK (&s->rng, zv_seed_reactions));
      sqlite3_bind_int64 (stmt, 4, c->time + (gint64) (1 + zv_seed_rng_range (&s->rng, 600)) * SECOND_MS);
      if (!zv_seed_done (s, stmt, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
zv_seed_messages (ZvSeeder *s, GError **error)
{
  TextCtx c = { .s = s };
  g_autoptr(GString) text = g_string_new (NULL);
  ZvSeedChat *chat = NULL;
  gint prev_slot = -1;
  guint burst_left = 0;
  guint hint = 0;
  gboolean english = FALSE;
  gint64 total = s->n_messages;

  s->file_pool = g_ptr_array_new_with_free_func ((GDestroyNotify) seed_file_free);
  /* Contract numbers recur (people keep talking about the same deals), invoices rarely do. */
  c.contract_pool = MAX (50, total / 400);
  c.invoice_pool = MAX (100, total / 20);

  if (!zv_server_db_begin (s->db, error))
    return FALSE;
  for (gint64 i = 0; i < total; i++)
    {
      gint64 id = i + 1;
      gboolean new_burst = burst_left == 0;
      gboolean reply, deleted, with_file;
      gint64 reply_to = 0, edited_at = 0;
      char client_id[37];
      sqlite3_stmt *stmt;

      if (new_burst)
        {
          chat = zv_seed_pick_chat (s);
          burst_left = 1 + (guint) zv_seed_rng_skewed (&s->rng, 12);
          english = zv_seed_rng_chance (&s->rng, chat->en_share);
          prev_slot = -1;
        }
      burst_left--;
      c.chat = chat;
      c.english = english;
      /* In a conversation the next message comes from someone else. */
      c.sender_slot = prev_slot;
      c.sender_slot = (gint) other_slot (&c);
      c.sender = user_at (s, g_array_index (chat->members, guint, c.sender_slot));
      prev_slot = c.sender_slot;
      c.time = zv_seed_activity_to_time (s, ((double) i + zv_seed_rng_double (&s->rng)) * s->activity_total / (double) total,
                                         &hint);

      reply = !new_burst && zv_seed_rng_chance (&s->rng, P_CONTINUE_REPLY);
      deleted = zv_seed_rng_chance (&s->rng, P_DELETED);
      with_file = !deleted && zv_seed_rng_chance (&s->rng, P_FILE);
      g_string_truncate (text, 0);
      if (!deleted && with_file)
        {
          if (english)
            APPEND_LINE (&c, zv_seed_en_file_texts, text);
          else
            APPEND_LINE (&c, zv_seed_ru_file_texts, text);
        }
      else if (!deleted)
        compose (&c, reply, new_burst, text);
      if (reply && chat->n_recent > 0 && zv_seed_rng_chance (&s->rng, P_REPLY_TO))
        {
          guint back = (guint) zv_seed_rng_skewed (&s->rng, MIN (chat->n_recent, ZV_SEED_RECENT));
          reply_to = chat->recent[(chat->n_recent - 1 - back) % ZV_SEED_RECENT];
        }
      if (!deleted && zv_seed_rng_chance (&s->rng, P_EDITED))
        edited_at = c.time + (gint64) (20 + zv_seed_rng_range (&s->rng, 1200)) * SECOND_MS;
      make_client_id (&s->rng, c.time, client_id);

      stmt = zv_seed_prep (s, "INSERT INTO messages (id, chat_id, sender_id, client_id, text, reply_to, created_at, "
                              "edited_at, deleted, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
      sqlite3_bind_int64 (stmt, 1, id);
      sqlite3_bind_int64 (stmt, 2, chat->id);
      sqlite3_bind_int64 (stmt, 3, c.sender->id);
      sqlite3_bind_text (stmt, 4, client_id, 36, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 5, text->str, (int) text->len, SQLITE_TRANSIENT);
      if (reply_to > 0)
        sqlite3_bind_int64 (stmt, 6, reply_to);
      else
        sqlite3_bind_null (stmt, 6);
      sqlite3_bind_int64 (stmt, 7, c.time);
      if (edited_at > 0)
        sqlite3_bind_int64 (stmt, 8, edited_at);
      else
        sqlite3_bind_null (stmt, 8);
      sqlite3_bind_int (stmt, 9, deleted);
      sqlite3_bind_int64 (stmt, 10, ++s->seq);
      if (!zv_seed_done (s, stmt, error))
        return FALSE;

      if (with_file && !attach_file (&c, id, error))
        return FALSE;
      if (!deleted && zv_seed_rng_chance (&s->rng, P_REACTION) && !add_reactions (&c, id, error))
        return FALSE;

      chat->recent[chat->n_recent % ZV_SEED_RECENT] = id;
      chat->n_recent++;
      chat->last_id = id;
      chat->count++;
      s->n_messages_made++;
      s->n_russian += !english;

      if (id % BATCH_MESSAGES == 0)
        {
          if (!zv_server_db_commit (s->db, error) || !zv_server_db_begin (s->db, error))
            return FALSE;
          if (!s->quiet)
            g_printerr ("  %" G_GINT64_FORMAT " / %" G_GINT64_FORMAT " messages\n", id, total);
        }
    }
  zv_server_db_set_meta (s->db, "change_seq", s->seq);
  return zv_server_db_commit (s->db, error);
}

/* Read markers and calls */

typedef struct {
  gint64  user_id;
  gint64  started;
  gint64  answered;
  gint64  ended;
  char   *peer_number;
  char   *peer_name;
  const char *direction;
  const char *status;
  const char *caller_id;
  const char *outcome;
  const char *notes;
  guint64 call_tag;
} SeedCall;

static void
seed_call_clear (gpointer data)
{
  SeedCall *call = data;

  g_free (call->peer_number);
  g_free (call->peer_name);
}

static gint
compare_calls (gconstpointer a, gconstpointer b)
{
  const SeedCall *x = a, *y = b;

  return (x->started > y->started) - (x->started < y->started);
}

static void
plan_call (ZvSeeder *s, ZvSeedUser *u, SeedCall *call)
{
  ZvSeedRng *r = &s->rng;
  double who = zv_seed_rng_double (r);
  gboolean incoming = zv_seed_rng_chance (r, 0.5);
  double fate = zv_seed_rng_double (r);

  call->user_id = u->id;
  call->started = zv_seed_random_work_time (s);
  call->direction = incoming ? "in" : "out";
  call->caller_id = incoming ? "" : "+7 495 120-34-50";
  call->call_tag = zv_seed_rng_next (r);
  if (who < 0.5)
    {
      ZvSeedUser *peer = user_at (s, (guint) zv_seed_rng_range (r, s->n_internal));
      if (peer == u)
        peer = user_at (s, 0) == u ? user_at (s, s->n_internal - 1) : user_at (s, 0);
      call->peer_number = g_strdup (peer->extension);
      call->peer_name = g_strdup (peer->name);
      call->caller_id = "";
    }
  else if (who < 0.85 && s->crm->len > 0)
    {
      g_auto(GStrv) card = g_strsplit (s->crm->pdata[zv_seed_rng_range (r, s->crm->len)], "\n", 2);
      call->peer_number = g_strdup (card[0]);
      call->peer_name = g_strdup (card[1]);
    }
  else
    {
      call->peer_number = zv_seed_russian_mobile (s);
      call->peer_name = g_strdup ("");
    }

  if (incoming)
    call->status = fate < 0.70 ? "answered" : fate < 0.95 ? "missed" : "rejected";
  else
    call->status = fate < 0.75 ? "answered" : fate < 0.85 ? "missed" : fate < 0.95 ? "busy" : "failed";
  if (g_str_equal (call->status, "answered"))
    {
      call->answered = call->started + (gint64) (3 + zv_seed_rng_range (r, 18)) * SECOND_MS;
      call->ended = call->answered + (gint64) (20 + zv_seed_rng_skewed (r, 1500)) * SECOND_MS;
      if (*call->peer_name != '\0' && who >= 0.5 && zv_seed_rng_chance (r, 0.4))
        {
          call->outcome = PICK (r, zv_seed_call_outcomes_ru);
          call->notes = PICK (r, zv_seed_call_notes_ru);
        }
    }
  else
    call->ended = call->started + (gint64) (5 + zv_seed_rng_range (r, 30)) * SECOND_MS;
}

static gboolean
insert_calls (ZvSeeder *s, GError **error)
{
  g_autoptr(GArray) calls = g_array_new (FALSE, TRUE, sizeof (SeedCall));

  g_array_set_clear_func (calls, seed_call_clear);
  /* Call history for the people who use the phone; a huge directory gets it for its first 2000. */
  for (guint i = 0; i < MIN (s->n_internal, 2000); i++)
    {
      ZvSeedUser *u = user_at (s, i);
      guint n = i == 0 ? 40 : 4 + (guint) zv_seed_rng_range (&s->rng, 10);

      for (guint k = 0; k < n; k++)
        {
          SeedCall call = { 0 };
          plan_call (s, u, &call);
          g_array_append_val (calls, call);
        }
    }
  /* Ids grow with time, as the history list pages by id. */
  g_array_sort (calls, compare_calls);

  for (guint i = 0; i < calls->len; i++)
    {
      SeedCall *call = &g_array_index (calls, SeedCall, i);
      g_autofree char *sip_call_id = g_strdup_printf ("%016" G_GINT64_MODIFIER "x@seed.zveno", call->call_tag);
      sqlite3_stmt *stmt = zv_seed_prep (s,
        "INSERT OR IGNORE INTO calls (user_id, sip_call_id, direction, peer_number, peer_name, caller_id, status, "
        "started_at, answered_at, ended_at, outcome, notes, notes_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)");

      sqlite3_bind_int64 (stmt, 1, call->user_id);
      zv_seed_bind_text (stmt, 2, sip_call_id);
      zv_seed_bind_text (stmt, 3, call->direction);
      zv_seed_bind_text (stmt, 4, call->peer_number);
      zv_seed_bind_text (stmt, 5, call->peer_name);
      zv_seed_bind_text (stmt, 6, call->caller_id);
      zv_seed_bind_text (stmt, 7, call->status);
      sqlite3_bind_int64 (stmt, 8, call->started);
      if (call->answered > 0)
        sqlite3_bind_int64 (stmt, 9, call->answered);
      else
        sqlite3_bind_null (stmt, 9);
      sqlite3_bind_int64 (stmt, 10, call->ended);
      zv_seed_bind_text (stmt, 11, call->outcome);
      zv_seed_bind_text (stmt, 12, call->notes);
      if (call->outcome != NULL)
        sqlite3_bind_int64 (stmt, 13, call->ended + 2 * MINUTE_MS);
      else
        sqlite3_bind_null (stmt, 13);
      if (!zv_seed_done (s, stmt, error))
        return FALSE;
      s->n_calls_made++;
    }
  return TRUE;
}

gboolean
zv_seed_read_markers_and_calls (ZvSeeder *s, GError **error)
{
  if (!zv_server_db_begin (s->db, error))
    return FALSE;
  for (guint i = 0; i < s->chats->len; i++)
    {
      ZvSeedChat *chat = s->chats->pdata[i];

      if (chat->count == 0)
        continue;
      for (guint m = 0; m < chat->members->len; m++)
        {
          guint index = g_array_index (chat->members, guint, m);
          gint64 marker = chat->last_id;
          sqlite3_stmt *stmt;

          /* Some chats are left unread, so the demo has badges to show. */
          if (zv_seed_rng_chance (&s->rng, index == 0 ? 0.3 : 0.15))
            marker = chat->recent[(chat->n_recent - 1 - zv_seed_rng_range (&s->rng, MIN (chat->n_recent, ZV_SEED_RECENT)))
                                  % ZV_SEED_RECENT];
          stmt = zv_seed_prep (s, "INSERT INTO read_markers (chat_id, user_id, message_id, seq) VALUES (?1, ?2, ?3, ?4)");
          sqlite3_bind_int64 (stmt, 1, chat->id);
          sqlite3_bind_int64 (stmt, 2, user_at (s, index)->id);
          sqlite3_bind_int64 (stmt, 3, marker);
          sqlite3_bind_int64 (stmt, 4, ++s->seq);
          if (!zv_seed_done (s, stmt, error))
            return FALSE;
        }
    }
  if (!insert_calls (s, error))
    return FALSE;
  zv_server_db_set_meta (s->db, "change_seq", s->seq);
  return zv_server_db_commit (s->db, error);
}

gboolean
zv_seed_write_files (ZvSeeder *s, GError **error)
{
  for (guint i = 0; s->file_pool != NULL && i < s->file_pool->len; i++)
    {
      ZvSeedFile *f = s->file_pool->pdata[i];
      g_autofree char *prefix = g_strndup (f->sha256, 2);
      g_autofree char *dir = g_build_filename (s->files_dir, prefix, NULL);
      g_autofree char *path = g_build_filename (dir, f->sha256, NULL);
      gsize size;
      const char *data = g_bytes_get_data (f->bytes, &size);

      if (g_mkdir_with_parents (dir, 0700) != 0)
        {
          int saved = errno;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "Cannot create %s: %s", dir, g_strerror (saved));
          return FALSE;
        }
      if (g_file_test (path, G_FILE_TEST_EXISTS))
        continue;
      if (!g_file_set_contents (path, data, (gssize) size, error))
        return FALSE;
    }
  return TRUE;
}
