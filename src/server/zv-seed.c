/* zv-seed.c: `zveno-server seed`: a deterministic demo company in a new database.
 *
 * Everything comes from one seeded PRNG (xoshiro256**) and a fixed end date, so the same options
 * give the same database byte for byte in content: people with departments, titles, phones and
 * external clients; direct and group chats; months of work chat in Russian and English (replies,
 * edits, deletions, files, reactions, phone, contract and invoice numbers); read markers; call
 * history; CRM client cards; company caller ids.
 *
 * Speed (a million messages in well under two minutes on two cores): the seeder writes into
 * FILE.seeding with journal and sync off, in big transactions through prepared statements, with
 * the full-text trigger dropped; then rebuilds the FTS index once, puts the trigger back exactly
 * as the schema declared it, switches to WAL and renames the file into place, so that an
 * interrupted seed never leaves a half-made FILE behind.
 *
 * Accounts: the server's account helper (zv_users_create) hashes every password with a fresh salt
 * and reads the clock, which is neither deterministic nor fast for thousands of users; so the seeder
 * hashes the demo password once (same PBKDF2 format, salt from the seed) and writes the users and
 * their Kamailio subscriber rows itself.
 */
#define G_LOG_DOMAIN "zveno-server"

#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <openssl/evp.h>
#include <string.h>

#include "zv-seed-corpus.h"
#include "zv-seed.h"
#include "zv-seed-private.h"
#include "zv-server-private.h"

#define DAY_MS          (24 * 3600 * (gint64) 1000)
#define HOUR_MS         (3600 * (gint64) 1000)
#define PBKDF2_ITER     200000   /* as zv-server-users.c */
#define COMPANY_DOMAIN  "nordwind.example"

/* The default end of history, 2026-11-28 24:00 Moscow time: fixed, so seeds are reproducible. */
#define DEFAULT_UNTIL   G_GINT64_CONSTANT (1795899600000)

/* Random numbers */

static guint64
rotl (guint64 x, int k)
{
  return (x << k) | (x >> (64 - k));
}

guint64
zv_seed_rng_next (ZvSeedRng *r)
{
  guint64 result = rotl (r->s[1] * 5, 7) * 9;
  guint64 t = r->s[1] << 17;

  r->s[2] ^= r->s[0];
  r->s[3] ^= r->s[1];
  r->s[1] ^= r->s[2];
  r->s[0] ^= r->s[3];
  r->s[2] ^= t;
  r->s[3] = rotl (r->s[3], 45);
  return result;
}

void
zv_seed_rng_init (ZvSeedRng *r, guint64 seed)
{
  /* splitmix64 spreads a small seed over the whole state. */
  for (int i = 0; i < 4; i++)
    {
      guint64 z = (seed += G_GUINT64_CONSTANT (0x9E3779B97F4A7C15));
      z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
      z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94D049BB133111EB);
      r->s[i] = z ^ (z >> 31);
    }
}

/* Uniform in [0, n). */
guint64
zv_seed_rng_range (ZvSeedRng *r, guint64 n)
{
  return n == 0 ? 0 : zv_seed_rng_next (r) % n;
}

double
zv_seed_rng_double (ZvSeedRng *r)
{
  return (double) (zv_seed_rng_next (r) >> 11) * (1.0 / 9007199254740992.0);
}

gboolean
zv_seed_rng_chance (ZvSeedRng *r, double p)
{
  return zv_seed_rng_double (r) < p;
}

/* Skewed towards the start of the list: a few words are everyday, the tail is rare. */
gsize
zv_seed_rng_skewed (ZvSeedRng *r, gsize n)
{
  double u = zv_seed_rng_double (r);

  return MIN ((gsize) (u * u * u * (double) n), n - 1);
}

/* Database helpers */

sqlite3_stmt *
zv_seed_prep (ZvSeeder *s, const char *sql)
{
  return zv_server_db_prepare (s->db, sql);
}

gboolean
zv_seed_done (ZvSeeder *s, sqlite3_stmt *stmt, GError **error)
{
  return zv_server_db_step_done (s->db, stmt, error);
}

void
zv_seed_bind_text (sqlite3_stmt *stmt, int col, const char *text)
{
  sqlite3_bind_text (stmt, col, text != NULL ? text : "", -1, SQLITE_TRANSIENT);
}

/* Time */

/* When people write: weekdays 09:00-18:00 Moscow time at full rate, evenings thinner, weekends and
 * the New Year holidays nearly quiet. Messages are laid out along this weighted clock, so ids grow
 * with time and the history looks like a working office's. */
static void
build_activity (ZvSeeder *s)
{
  gint64 start_day = s->t_start / DAY_MS;
  gint64 end_day = (s->t_end + DAY_MS - 1) / DAY_MS;

  s->segments = g_array_new (FALSE, FALSE, sizeof (ZvSeedSegment));
  s->activity_total = 0;
  for (gint64 day = start_day; day < end_day; day++)
    {
      g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (day * 24 * 3600);
      int weekday = g_date_time_get_day_of_week (dt);   /* 1 = Monday */
      gboolean holiday = g_date_time_get_month (dt) == 1 && g_date_time_get_day_of_month (dt) <= 8;
      static const struct { int from_h, to_h; double weekday, weekend; } hours[] = {
        { 4, 6, 0.10, 0.00 },    /* 07-09 MSK */
        { 6, 15, 1.00, 0.04 },   /* 09-18 MSK */
        { 15, 19, 0.30, 0.04 },  /* 18-22 MSK */
        { 19, 21, 0.05, 0.02 },
      };

      for (gsize i = 0; i < G_N_ELEMENTS (hours); i++)
        {
          ZvSeedSegment seg;
          gint64 from = day * DAY_MS + hours[i].from_h * HOUR_MS;
          gint64 to = day * DAY_MS + hours[i].to_h * HOUR_MS;

          seg.weight = (weekday >= 6 || holiday) ? hours[i].weekend : hours[i].weekday;
          from = MAX (from, s->t_start);
          to = MIN (to, s->t_end);
          if (seg.weight <= 0 || to <= from)
            continue;
          seg.start = from;
          seg.length = to - from;
          seg.cumulative = s->activity_total;
          s->activity_total += (double) seg.length * seg.weight;
          g_array_append_val (s->segments, seg);
        }
    }
}

/* Real time of a point on the weighted clock; @hint keeps the walk linear for increasing points. */
gint64
zv_seed_activity_to_time (ZvSeeder *s, double a, guint *hint)
{
  guint i = *hint;

  if (s->segments->len == 0)
    return s->t_start;
  if (i >= s->segments->len)
    i = 0;
  while (i > 0 && g_array_index (s->segments, ZvSeedSegment, i).cumulative > a)
    i--;
  while (i + 1 < s->segments->len && g_array_index (s->segments, ZvSeedSegment, i + 1).cumulative <= a)
    i++;
  *hint = i;
  {
    ZvSeedSegment *seg = &g_array_index (s->segments, ZvSeedSegment, i);
    gint64 offset = (gint64) ((a - seg->cumulative) / seg->weight);

    return seg->start + CLAMP (offset, 0, seg->length - 1);
  }
}

gint64
zv_seed_random_work_time (ZvSeeder *s)
{
  guint hint = 0;

  return zv_seed_activity_to_time (s, zv_seed_rng_double (&s->rng) * s->activity_total, &hint);
}

/* Accounts */

static char *
female_surname (const char *male)
{
  if (g_str_has_suffix (male, "ский") || g_str_has_suffix (male, "цкий"))
    {
      g_autofree char *stem = g_strndup (male, strlen (male) - strlen ("ий"));
      return g_strconcat (stem, "ая", NULL);
    }
  if (g_str_has_suffix (male, "ов") || g_str_has_suffix (male, "ев") ||
      g_str_has_suffix (male, "ёв") || g_str_has_suffix (male, "ин"))
    return g_strconcat (male, "а", NULL);
  return g_strdup (male);
}

static char *
female_translit (const char *male)
{
  if (g_str_has_suffix (male, "sky"))
    {
      g_autofree char *stem = g_strndup (male, strlen (male) - 1);
      return g_strconcat (stem, "aya", NULL);
    }
  if (g_str_has_suffix (male, "ov") || g_str_has_suffix (male, "ev") || g_str_has_suffix (male, "in") ||
      g_str_has_suffix (male, "yov"))
    return g_strconcat (male, "a", NULL);
  return g_strdup (male);
}

char *
zv_seed_russian_mobile (ZvSeeder *s)
{
  static const char *const codes[] = { "903", "905", "910", "915", "916", "925", "926", "977", "985", "999" };

  return g_strdup_printf ("+7 %s %03u-%02u-%02u", codes[zv_seed_rng_range (&s->rng, G_N_ELEMENTS (codes))],
                          (guint) zv_seed_rng_range (&s->rng, 1000), (guint) zv_seed_rng_range (&s->rng, 100),
                          (guint) zv_seed_rng_range (&s->rng, 100));
}

char *
zv_seed_english_mobile (ZvSeeder *s)
{
  /* 07700 900000-900999 is Ofcom's range for drama: never a real subscriber. */
  return g_strdup_printf ("+44 7700 900%03u", (guint) zv_seed_rng_range (&s->rng, 1000));
}

/* The demo password's hash, computed once: same format as zv_password_hash(), salt from the seed. */
static char *
seed_password_hash (ZvSeeder *s, const char *password)
{
  guchar salt[16];
  guchar hash[32];
  g_autofree char *salt_b64 = NULL;
  g_autofree char *hash_b64 = NULL;

  for (gsize i = 0; i < sizeof salt; i++)
    salt[i] = (guchar) zv_seed_rng_range (&s->rng, 256);
  if (PKCS5_PBKDF2_HMAC (password, (int) strlen (password), salt, sizeof salt, PBKDF2_ITER,
                         EVP_sha256 (), sizeof hash, hash) != 1)
    return NULL;
  salt_b64 = g_base64_encode (salt, sizeof salt);
  hash_b64 = g_base64_encode (hash, sizeof hash);
  return g_strdup_printf ("pbkdf2-sha256$%d$%s$%s", PBKDF2_ITER, salt_b64, hash_b64);
}

static char *
seed_sip_password (ZvSeeder *s)
{
  guchar bytes[18];
  char *text;

  for (gsize i = 0; i < sizeof bytes; i++)
    bytes[i] = (guchar) zv_seed_rng_range (&s->rng, 256);
  text = g_base64_encode (bytes, sizeof bytes);
  g_strdelimit (text, "+", '-');
  g_strdelimit (text, "/", '_');
  return text;
}

static void
seed_user_free (ZvSeedUser *u)
{
  g_free (u->first);
  g_free (u->name);
  g_free (u->login);
  g_free (u->email);
  g_free (u->extension);
  g_free (u->mobile);
  g_free (u);
}

static gboolean
login_taken (ZvSeeder *s, const char *login)
{
  return g_hash_table_contains (s->logins, login);
}

/* Picks the person's name and login; the first user is always the demo account. */
static void
make_person (ZvSeeder *s, ZvSeedUser *u, guint index)
{
  g_autofree char *surname = NULL;
  g_autofree char *surname_latin = NULL;
  g_autofree char *base = NULL;
  const ZvSeedFirstName *first;

  if (index == 0)
    {
      u->first = g_strdup ("Анна");
      u->name = g_strdup ("Анна Петрова");
      u->login = g_strdup (ZV_SEED_DEMO_LOGIN);
      u->female = TRUE;
      g_hash_table_add (s->logins, g_strdup (u->login));
      return;
    }

  if (u->english)
    {
      GString *clean = g_string_new (NULL);

      first = &PICK (&s->rng, zv_seed_en_first_names);
      surname = g_strdup (PICK (&s->rng, zv_seed_en_surnames));
      /* O'Brien signs in as obrien. */
      for (const char *p = surname; *p; p++)
        if (g_ascii_isalpha (*p))
          g_string_append_c (clean, g_ascii_tolower (*p));
      surname_latin = g_string_free (clean, FALSE);
    }
  else
    {
      const char *entry = PICK (&s->rng, zv_seed_ru_surnames);
      g_auto(GStrv) parts = g_strsplit (entry, "|", 2);

      first = &PICK (&s->rng, zv_seed_ru_first_names);
      surname = first->female ? female_surname (parts[0]) : g_strdup (parts[0]);
      surname_latin = first->female ? female_translit (parts[1]) : g_strdup (parts[1]);
    }
  u->female = first->female;
  u->first = g_strdup (first->name);
  u->name = g_strdup_printf ("%s %s", first->name, surname);
  base = g_strdup_printf ("%s.%s", first->login_base, surname_latin);
  u->login = g_strdup (base);
  for (guint n = 2; login_taken (s, u->login); n++)
    {
      g_free (u->login);
      u->login = g_strdup_printf ("%s%u", base, n);
    }
  g_hash_table_add (s->logins, g_strdup (u->login));
}

static gboolean
insert_user (ZvSeeder *s, ZvSeedUser *u, const char *title, const char *department,
             const char *company_phone, GError **error)
{
  sqlite3_stmt *stmt;
  g_autofree char *sip_username = g_ascii_strdown (u->login, -1);
  g_autofree char *sip_password = seed_sip_password (s);
  g_autofree char *ha1_src = g_strdup_printf ("%s:%s:%s", sip_username, s->sip_domain, sip_password);
  g_autofree char *ha1b_src = g_strdup_printf ("%s@%s:%s:%s", sip_username, s->sip_domain, s->sip_domain, sip_password);
  g_autofree char *ha1 = g_compute_checksum_for_string (G_CHECKSUM_MD5, ha1_src, -1);
  g_autofree char *ha1b = g_compute_checksum_for_string (G_CHECKSUM_MD5, ha1b_src, -1);

  stmt = zv_seed_prep (s,
    "INSERT INTO users (login, name, title, department, email, extension, mobile, company_phone, "
    "external, is_bot, password_hash, sip_username, sip_password, created_at, seq) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0, ?10, ?11, ?12, ?13, ?14)");
  zv_seed_bind_text (stmt, 1, u->login);
  zv_seed_bind_text (stmt, 2, u->name);
  zv_seed_bind_text (stmt, 3, title);
  zv_seed_bind_text (stmt, 4, department);
  zv_seed_bind_text (stmt, 5, u->email);
  zv_seed_bind_text (stmt, 6, u->extension);
  zv_seed_bind_text (stmt, 7, u->mobile);
  zv_seed_bind_text (stmt, 8, company_phone);
  sqlite3_bind_int (stmt, 9, u->external);
  zv_seed_bind_text (stmt, 10, s->password_hash);
  zv_seed_bind_text (stmt, 11, sip_username);
  zv_seed_bind_text (stmt, 12, sip_password);
  sqlite3_bind_int64 (stmt, 13, s->t_start - 90 * DAY_MS - (gint64) zv_seed_rng_range (&s->rng, 400) * DAY_MS);
  sqlite3_bind_int64 (stmt, 14, ++s->seq);
  if (!zv_seed_done (s, stmt, error))
    return FALSE;
  u->id = sqlite3_last_insert_rowid (s->handle);

  /* What zv-server-users.c keeps for Kamailio's auth_db, for the same SIP domain. */
  stmt = zv_seed_prep (s, "INSERT INTO subscriber (username, domain, password, ha1, ha1b) VALUES (?1, ?2, ?3, ?4, ?5)");
  zv_seed_bind_text (stmt, 1, sip_username);
  zv_seed_bind_text (stmt, 2, s->sip_domain);
  zv_seed_bind_text (stmt, 3, sip_password);
  zv_seed_bind_text (stmt, 4, ha1);
  zv_seed_bind_text (stmt, 5, ha1b);
  return zv_seed_done (s, stmt, error);
}

static gboolean
seed_users (ZvSeeder *s, GError **error)
{
  guint n = s->n_users;
  guint n_external = n >= 10 ? MAX (1, n * 8 / 100) : (n >= 4 ? 1 : 0);
  guint n_internal = n - n_external;
  /* Share of each department in the headcount, in zv_seed_departments order. */
  static const double dept_share[] = { 0.20, 0.08, 0.09, 0.14, 0.07, 0.04, 0.04, 0.11, 0.05, 0.10, 0.08 };
  guint dept_count[G_N_ELEMENTS (dept_share)] = { 0 };
  static const char *const ru_office = "+7 495 120-34-50";
  static const char *const uk_office = "+44 20 7946 0958";
  static const char *const client_titles_ru[] = { "Директор по закупкам", "Менеджер по снабжению", "Главный инженер", "Бухгалтер" };
  static const char *const contractor_titles_ru[] = { "Руководитель проекта", "Прораб", "Менеджер", "Инженер" };
  static const char *const external_titles_en[] = { "Procurement Manager", "Account Director", "Project Lead", "Operations Manager" };

  G_STATIC_ASSERT (G_N_ELEMENTS (dept_share) == 11);
  g_assert (zv_seed_departments_len == G_N_ELEMENTS (dept_share));

  for (guint i = 0; i < n; i++)
    {
      ZvSeedUser *u = g_new0 (ZvSeedUser, 1);
      const char *title;
      const char *department;
      const char *company_phone;

      u->external = i >= n_internal;
      if (!u->external)
        {
          /* The demo account heads sales; the rest by share, round-robin-ish but seeded. */
          guint d = 0;
          double x = zv_seed_rng_double (&s->rng);

          if (i > 0)
            for (d = 0; d + 1 < G_N_ELEMENTS (dept_share) && x >= dept_share[d]; d++)
              x -= dept_share[d];
          u->department = (int) d;
          u->english = zv_seed_departments[d].english ? zv_seed_rng_chance (&s->rng, 0.85)
                                                      : zv_seed_rng_chance (&s->rng, 0.22);
          if (i == 0)
            u->english = FALSE;
          make_person (s, u, i);
          {
            const char *const *titles = zv_seed_departments[d].titles;
            guint n_titles = g_strv_length ((char **) titles);

            title = dept_count[d] == 0 ? titles[0] : titles[1 + zv_seed_rng_range (&s->rng, n_titles - 1)];
          }
          dept_count[d]++;
          department = zv_seed_departments[d].name;
          u->email = g_strdup_printf ("%s@" COMPANY_DOMAIN, u->login);
          u->extension = g_strdup_printf ("%u", 2001 + i);
          u->mobile = u->english ? zv_seed_english_mobile (s) : zv_seed_russian_mobile (s);
          company_phone = zv_seed_departments[d].english ? uk_office : ru_office;
        }
      else
        {
          const ZvSeedCompany *c = &zv_seed_companies[(i - n_internal) % zv_seed_companies_len];

          u->company = (int) ((i - n_internal) % zv_seed_companies_len);
          u->department = -1;
          u->english = c->english;
          make_person (s, u, i);
          title = c->english ? external_titles_en[zv_seed_rng_range (&s->rng, 4)]
                             : c->contractor ? contractor_titles_ru[zv_seed_rng_range (&s->rng, 4)]
                                             : client_titles_ru[zv_seed_rng_range (&s->rng, 4)];
          department = c->name;
          u->email = g_strdup_printf ("%s@%s", u->login, c->domain);
          u->extension = g_strdup ("");
          u->mobile = c->english ? zv_seed_english_mobile (s) : zv_seed_russian_mobile (s);
          company_phone = c->phone;
        }
      if (!insert_user (s, u, title, department, company_phone, error))
        {
          seed_user_free (u);
          return FALSE;
        }
      g_ptr_array_add (s->users, u);
    }
  s->n_internal = n_internal;
  return TRUE;
}

static gboolean
seed_company_records (ZvSeeder *s, GError **error)
{
  static const struct { const char *number, *label; gboolean is_default; } caller_ids[] = {
    { "+7 495 120-34-50", "Москва, общий", TRUE },
    { "+7 812 330-11-20", "Санкт-Петербург", FALSE },
    { "+44 20 7946 0958", "London", FALSE },
    { "+7 800 555-35-35", "Горячая линия", FALSE },
  };
  sqlite3_stmt *stmt;

  for (gsize i = 0; i < G_N_ELEMENTS (caller_ids); i++)
    {
      stmt = zv_seed_prep (s, "INSERT INTO caller_ids (number, label, is_default) VALUES (?1, ?2, ?3)");
      zv_seed_bind_text (stmt, 1, caller_ids[i].number);
      zv_seed_bind_text (stmt, 2, caller_ids[i].label);
      sqlite3_bind_int (stmt, 3, caller_ids[i].is_default);
      if (!zv_seed_done (s, stmt, error))
        return FALSE;
    }

  /* CRM cards: the people at client companies who call in but have no account of their own. */
  s->crm = g_ptr_array_new_with_free_func (g_free);
  for (gsize c = 0; c < zv_seed_companies_len; c++)
    {
      const ZvSeedCompany *co = &zv_seed_companies[c];
      guint contacts = 2 + (guint) zv_seed_rng_range (&s->rng, 3);

      for (guint k = 0; k < contacts; k++)
        {
          ZvSeedUser tmp = { 0 };
          g_autofree char *phone = NULL;
          GString *digits = g_string_new (NULL);
          static const char *const notes_ru[] = {
            "Ключевой клиент, скидка 7 %.", "Предпочитает звонки после 14:00.", "Решения принимает директор.",
            "Оплата с отсрочкой 30 дней.", "" };
          static const char *const notes_en[] = {
            "Key account, 7% discount.", "Prefers e-mail.", "Decision maker is the CFO.", "" };

          tmp.english = co->english;
          make_person (s, &tmp, 1 + s->users->len + c * 10 + k);
          phone = co->english ? zv_seed_english_mobile (s) : zv_seed_russian_mobile (s);
          for (const char *p = phone; *p; p++)
            if (g_ascii_isdigit (*p))
              g_string_append_c (digits, *p);
          stmt = zv_seed_prep (s, "INSERT INTO crm_clients (name, company, phone, phone_digits, email, notes, created_at) "
                          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
          zv_seed_bind_text (stmt, 1, tmp.name);
          zv_seed_bind_text (stmt, 2, co->name);
          zv_seed_bind_text (stmt, 3, phone);
          zv_seed_bind_text (stmt, 4, digits->str);
          {
            g_autofree char *email = g_strdup_printf ("%s@%s", tmp.login, co->domain);
            zv_seed_bind_text (stmt, 5, email);
          }
          zv_seed_bind_text (stmt, 6, co->english ? notes_en[zv_seed_rng_range (&s->rng, G_N_ELEMENTS (notes_en))]
                                          : notes_ru[zv_seed_rng_range (&s->rng, G_N_ELEMENTS (notes_ru))]);
          sqlite3_bind_int64 (stmt, 7, s->t_start - (gint64) zv_seed_rng_range (&s->rng, 300) * DAY_MS);
          g_string_free (digits, TRUE);
          if (!zv_seed_done (s, stmt, error))
            {
              g_free (tmp.first); g_free (tmp.name); g_free (tmp.login);
              return FALSE;
            }
          g_ptr_array_add (s->crm, g_strdup_printf ("%s\n%s", phone, tmp.name));
          g_free (tmp.first);
          g_free (tmp.name);
          g_free (tmp.login);
        }
    }
  return TRUE;
}

/* Running it all */

#define SUMMARY_FORMAT \
  "Seeded %s in %.1f s: %u users (%u external), %u chats, %" G_GINT64_FORMAT " messages " \
  "(%.0f %% Russian), %" G_GINT64_FORMAT " files, %" G_GINT64_FORMAT " calls.\n"

static gboolean
run (ZvSeeder *s, GError **error)
{
  g_autofree char *tmp = g_strconcat (s->db_path, ".seeding", NULL);
  g_autofree char *trigger_sql = NULL;
  static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };
  gint64 t0 = g_get_monotonic_time ();
  gint64 t_index;

  for (gsize i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *p = g_strconcat (tmp, suffixes[i], NULL);
      g_unlink (p);
    }
  if (g_file_test (s->db_path, G_FILE_TEST_EXISTS) && !s->force)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                   "%s already exists; seed writes a new database (add --force to replace it)", s->db_path);
      return FALSE;
    }

  s->db = zv_server_db_open (tmp, error);
  if (s->db == NULL)
    return FALSE;
  s->handle = zv_server_db_handle (s->db);
  /* A seed that fails is thrown away whole (the file is only renamed at the end), so durability
   * buys nothing here. */
  if (!zv_server_db_exec (s->db, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; "
                                 "PRAGMA cache_size = -131072; PRAGMA temp_store = MEMORY;", error))
    return FALSE;
  s->sip_domain = zv_users_sip_domain (s->db);

  /* Index all text once at the end instead of row by row. */
  {
    sqlite3_stmt *stmt = zv_seed_prep (s, "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'messages_fts_insert'");
    if (sqlite3_step (stmt) == SQLITE_ROW)
      trigger_sql = g_strdup (zv_server_db_column_text (stmt, 0));
    sqlite3_reset (stmt);
    if (trigger_sql != NULL && !zv_server_db_exec (s->db, "DROP TRIGGER messages_fts_insert", error))
      return FALSE;
  }

  s->password_hash = seed_password_hash (s, s->password);
  if (s->password_hash == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "PBKDF2 failed");
      return FALSE;
    }
  build_activity (s);

  if (!zv_server_db_begin (s->db, error) ||
      !seed_users (s, error) ||
      !seed_company_records (s, error))
    return FALSE;
  zv_seed_plan_chats (s);
  if (!zv_seed_insert_chats (s, error) ||
      !zv_server_db_commit (s->db, error))
    return FALSE;

  if (!zv_seed_messages (s, error) ||
      !zv_seed_read_markers_and_calls (s, error))
    return FALSE;

  if (!s->quiet)
    g_printerr ("%" G_GINT64_FORMAT " messages written in %.1f s; indexing them for search...\n",
                s->n_messages_made, (double) (g_get_monotonic_time () - t0) / 1e6);
  t_index = g_get_monotonic_time ();
  if (!zv_server_db_exec (s->db, "INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')", error))
    return FALSE;
  if (!s->quiet)
    g_printerr ("indexed in %.1f s\n", (double) (g_get_monotonic_time () - t_index) / 1e6);
  if (trigger_sql != NULL && !zv_server_db_exec (s->db, trigger_sql, error))
    return FALSE;
  if (!zv_server_db_exec (s->db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; ANALYZE;", error))
    return FALSE;
  g_clear_object (&s->db);
  s->handle = NULL;

  if (!zv_seed_write_files (s, error))
    return FALSE;

  for (gsize i = 1; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *p = g_strconcat (s->db_path, suffixes[i], NULL);
      g_unlink (p);
    }
  if (g_rename (tmp, s->db_path) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "Cannot rename %s to %s: %s",
                   tmp, s->db_path, g_strerror (saved));
      return FALSE;
    }

  s->seconds = (double) (g_get_monotonic_time () - t0) / 1e6;
  return TRUE;
}

static void
seeder_clear (ZvSeeder *s)
{
  g_clear_object (&s->db);
  g_clear_pointer (&s->users, g_ptr_array_unref);
  g_clear_pointer (&s->chats, g_ptr_array_unref);
  g_clear_pointer (&s->crm, g_ptr_array_unref);
  g_clear_pointer (&s->logins, g_hash_table_unref);
  g_clear_pointer (&s->segments, g_array_unref);
  g_clear_pointer (&s->chat_cumulative, g_array_unref);
  g_clear_pointer (&s->file_pool, g_ptr_array_unref);
  g_free (s->sip_domain);
  g_free (s->password_hash);
}

int
zv_seed_main (int argc, char **argv)
{
  g_autofree char *db_path = NULL;
  g_autofree char *files_dir = NULL;
  g_autofree char *until = NULL;
  g_autofree char *password = NULL;
  gint64 users = 60, chats = 80, messages = 20000, seed = 1, days = 180;
  gboolean force = FALSE, quiet = FALSE;
  GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db_path, "The database to create", "FILE" },
    { "users", 0, 0, G_OPTION_ARG_INT64, &users, "People in the directory, external included (60)", "N" },
    { "chats", 0, 0, G_OPTION_ARG_INT64, &chats, "Direct and group chats (80)", "N" },
    { "messages", 0, 0, G_OPTION_ARG_INT64, &messages, "Messages in all chats (20000)", "N" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Random seed: the same seed gives the same company (1)", "S" },
    { "until", 0, 0, G_OPTION_ARG_STRING, &until, "Last day of the history, Moscow time: YYYY-MM-DD, or \"now\" (2026-11-28)", "DATE" },
    { "days", 0, 0, G_OPTION_ARG_INT64, &days, "Length of the history in days (180)", "N" },
    { "files", 0, 0, G_OPTION_ARG_FILENAME, &files_dir, "Where attachments go (FILE.files, as the server)", "DIR" },
    { "password", 0, 0, G_OPTION_ARG_STRING, &password, "Every seeded account's password (" ZV_SEED_DEMO_PASSWORD ")", "PW" },
    { "force", 0, 0, G_OPTION_ARG_NONE, &force, "Replace FILE if it exists", NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Print only the summary", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- fill a new database with a demo company");
  g_autoptr(GError) error = NULL;
  ZvSeeder s = { 0 };
  gboolean ok;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("zveno-server seed: %s\n", error->message);
      return 2;
    }
  if (db_path == NULL || users < 2 || users > 1000000 || chats < 1 || chats > 10000000 ||
      messages < 0 || messages > 100000000 || days < 1 || days > 3650)
    {
      g_printerr ("zveno-server seed: need --db FILE, --users >= 2, --chats >= 1, --messages >= 0, --days 1..3650\n");
      return 2;
    }

  s.t_end = DEFAULT_UNTIL;
  if (until != NULL && g_str_equal (until, "now"))
    s.t_end = g_get_real_time () / 1000;
  else if (until != NULL)
    {
      g_autofree char *iso = g_strconcat (until, "T21:00:00Z", NULL);
      g_autoptr(GDateTime) dt = g_date_time_new_from_iso8601 (iso, NULL);

      if (dt == NULL)
        {
          g_printerr ("zveno-server seed: --until wants YYYY-MM-DD or now, not '%s'\n", until);
          return 2;
        }
      s.t_end = g_date_time_to_unix (dt) * 1000;
    }
  s.t_start = s.t_end - days * DAY_MS;
  s.db_path = db_path;
  s.files_dir = files_dir != NULL ? g_strdup (files_dir) : g_strconcat (db_path, ".files", NULL);
  s.password = password != NULL ? password : ZV_SEED_DEMO_PASSWORD;
  s.n_users = (guint) users;
  s.n_chats = (guint) chats;
  s.n_messages = messages;
  s.force = force;
  s.quiet = quiet;
  zv_seed_rng_init (&s.rng, (guint64) seed);
  s.users = g_ptr_array_new_with_free_func ((GDestroyNotify) seed_user_free);
  s.chats = g_ptr_array_new_with_free_func ((GDestroyNotify) zv_seed_chat_free);
  s.logins = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  ok = run (&s, &error);
  if (ok)
    {
      guint externals = s.n_users - s.n_internal;

      g_print (SUMMARY_FORMAT, s.db_path, s.seconds, s.n_users, externals, s.chats->len,
               s.n_messages_made, s.n_messages_made > 0 ? 100.0 * (double) s.n_russian / (double) s.n_messages_made : 0.0,
               s.n_files_made, s.n_calls_made);
      /* tests/demo.sh shows the line that starts with "sign in". */
      g_print ("sign in: login %s, password %s (every seeded account has this password)\n",
               ZV_SEED_DEMO_LOGIN, s.password);
    }
  else
    g_printerr ("zveno-server seed: %s\n", error->message);
  g_free (s.files_dir);
  seeder_clear (&s);
  return ok ? 0 : 1;
}
