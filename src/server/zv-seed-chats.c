/* zv-seed-chats.c: who talks to whom in the demo company: department, company-wide, client and
 * project group chats and direct chats, each with a weight that decides how busy it is. */
#define G_LOG_DOMAIN "zveno-server"

#include "config.h"

#include <string.h>

#include "zv-seed-corpus.h"
#include "zv-seed-private.h"

void
zv_seed_chat_free (ZvSeedChat *c)
{
  g_array_unref (c->members);
  g_free (c->title);
  g_free (c);
}

static gboolean
chat_has_member (ZvSeedChat *c, guint user)
{
  for (guint i = 0; i < c->members->len; i++)
    if (g_array_index (c->members, guint, i) == user)
      return TRUE;
  return FALSE;
}

static void
chat_add_member (ZvSeedChat *c, guint user)
{
  if (!chat_has_member (c, user))
    g_array_append_val (c->members, user);
}

static ZvSeedChat *
chat_new (ZvSeeder *s, gboolean direct, char *title, double weight)
{
  ZvSeedChat *c = g_new0 (ZvSeedChat, 1);

  c->direct = direct;
  c->title = title;
  c->members = g_array_new (FALSE, FALSE, sizeof (guint));
  c->weight = weight;
  c->project = (int) zv_seed_rng_range (&s->rng, zv_seed_project_names_len);
  return c;
}

char *
zv_seed_subst_s (const char *pattern, const char *arg)
{
  const char *at = strstr (pattern, "%s");

  if (at == NULL)
    return g_strdup (pattern);
  return g_strdup_printf ("%.*s%s%s", (int) (at - pattern), pattern, arg, at + 2);
}

static guint
random_internal (ZvSeeder *s)
{
  return (guint) zv_seed_rng_range (&s->rng, s->n_internal);
}

void
zv_seed_plan_chats (ZvSeeder *s)
{
  guint n_groups = MAX (1, (guint) (s->n_chats * 0.45 + 0.5));
  guint n_direct;
  guint64 max_pairs = (guint64) s->n_users * (s->n_users - 1) / 2;
  g_autoptr(GHashTable) pairs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint anna_direct;
  double p_anna;

  n_groups = MIN (n_groups, s->n_chats);
  n_direct = s->n_chats - n_groups;
  if (n_direct > max_pairs)
    {
      n_groups += n_direct - (guint) max_pairs;
      n_direct = (guint) max_pairs;
    }

  /* Department chats, then the company-wide one, then client chats, then projects. */
  for (gsize d = 0; d < zv_seed_departments_len && s->chats->len < n_groups; d++)
    {
      ZvSeedChat *c = chat_new (s, FALSE, g_strdup (zv_seed_departments[d].name), 4.0);

      for (guint u = 0; u < s->n_internal; u++)
        if (((ZvSeedUser *) s->users->pdata[u])->department == (int) d)
          chat_add_member (c, u);
      if (c->members->len < 2)
        {
          zv_seed_chat_free (c);
          continue;
        }
      g_ptr_array_add (s->chats, c);
    }
  if (s->chats->len < n_groups && s->n_internal >= 3)
    {
      ZvSeedChat *c = chat_new (s, FALSE, g_strdup ("Общий чат «Северный ветер»"), 3.0);

      for (guint u = 0; u < s->n_internal; u++)
        chat_add_member (c, u);
      g_ptr_array_add (s->chats, c);
    }
  for (gsize k = 0; k < zv_seed_companies_len && s->chats->len < n_groups; k++)
    {
      const ZvSeedCompany *co = &zv_seed_companies[k];
      g_autofree char *shortname = NULL;
      ZvSeedChat *c;
      gboolean any = FALSE;

      for (guint u = s->n_internal; u < s->n_users; u++)
        any |= ((ZvSeedUser *) s->users->pdata[u])->company == (int) k;
      if (!any)
        continue;
      shortname = g_strdup (co->name);
      c = chat_new (s, FALSE, co->english ? g_strdup_printf ("%s × Nordwind", co->name)
                                         : g_strdup_printf ("%s — %s", co->name,
                                                            co->contractor ? "подряд" : "поставки"), 1.5);
      c->external = TRUE;
      for (guint u = s->n_internal; u < s->n_users; u++)
        if (((ZvSeedUser *) s->users->pdata[u])->company == (int) k)
          chat_add_member (c, u);
      if (k < 4)
        chat_add_member (c, 0);
      for (guint extra = 2 + (guint) zv_seed_rng_range (&s->rng, 4); extra > 0; extra--)
        chat_add_member (c, random_internal (s));
      g_ptr_array_add (s->chats, c);
    }
  /* The demo account is in some projects: about thirty, however big the company. */
  p_anna = MIN (0.3, 30.0 / (double) MAX (1, n_groups - s->chats->len));
  while (s->chats->len < n_groups)
    {
      gboolean english = zv_seed_rng_chance (&s->rng, 0.4);
      const char *project = PICK (&s->rng, zv_seed_project_names);
      const char *pattern = english ? PICK (&s->rng, zv_seed_group_patterns_en) : PICK (&s->rng, zv_seed_group_patterns_ru);
      ZvSeedChat *c = chat_new (s, FALSE, zv_seed_subst_s (pattern, project), 1.0);
      guint size = 3 + (guint) zv_seed_rng_skewed (&s->rng, 20);

      for (guint tries = 0; c->members->len < MIN (size, s->n_internal) && tries < size * 10; tries++)
        {
          guint u = random_internal (s);
          /* English project chats gather the English-speaking staff first. */
          if (english != ((ZvSeedUser *) s->users->pdata[u])->english && zv_seed_rng_chance (&s->rng, 0.6))
            continue;
          chat_add_member (c, u);
        }
      if (zv_seed_rng_chance (&s->rng, p_anna))
        chat_add_member (c, 0);
      if (c->members->len < 2)
        {
          chat_add_member (c, 0);
          chat_add_member (c, s->n_users - 1);
        }
      g_ptr_array_add (s->chats, c);
    }

  /* Direct chats: the demo account talks to many people; the rest mostly within departments. */
  anna_direct = MIN (MIN (n_direct / 3 + 1, 25), s->n_users - 1);
  anna_direct = MIN (anna_direct, n_direct);
  for (guint made = 0, tries = 0; made < n_direct && tries < n_direct * 20 + 1000; tries++)
    {
      guint a, b;
      g_autofree char *key = NULL;
      ZvSeedChat *c;

      if (made < anna_direct)
        {
          a = 0;
          b = 1 + (guint) zv_seed_rng_range (&s->rng, s->n_users - 1);
        }
      else
        {
          a = (guint) zv_seed_rng_range (&s->rng, s->n_users);
          b = (guint) zv_seed_rng_range (&s->rng, s->n_users);
          if (zv_seed_rng_chance (&s->rng, 0.5) && a < s->n_internal)
            {
              /* Prefer a colleague from the same department. */
              for (guint t = 0; t < 8; t++)
                {
                  guint cand = random_internal (s);
                  if (((ZvSeedUser *) s->users->pdata[cand])->department ==
                      ((ZvSeedUser *) s->users->pdata[a])->department)
                    {
                      b = cand;
                      break;
                    }
                }
            }
        }
      if (a == b)
        continue;
      key = g_strdup_printf ("%u:%u", MIN (a, b), MAX (a, b));
      if (g_hash_table_contains (pairs, key))
        continue;
      g_hash_table_add (pairs, g_steal_pointer (&key));
      c = chat_new (s, TRUE, g_strdup (""), a == 0 ? 2.0 : 1.0);
      chat_add_member (c, a);
      chat_add_member (c, b);
      c->external = a >= s->n_internal || b >= s->n_internal;
      g_ptr_array_add (s->chats, c);
      made++;
    }

  /* Activity: a few chats carry most of the traffic, as in any company. The weights are shuffled
   * so that the busiest chat is not always the first one. */
  for (guint i = 0; i < s->chats->len; i++)
    {
      ZvSeedChat *c = s->chats->pdata[i];
      double rank = 1.0 + (double) zv_seed_rng_range (&s->rng, s->chats->len);
      guint english = 0;

      for (guint m = 0; m < c->members->len; m++)
        english += ((ZvSeedUser *) s->users->pdata[g_array_index (c->members, guint, m)])->english;
      c->en_share = 0.12 + 0.78 * (double) english / (double) c->members->len;
      c->weight /= rank;
      /* The demo account's chats are busier, so that signing in as her shows a lively history and
       * the benchmarks have volume (about an eighth of all traffic). */
      if (chat_has_member (c, 0))
        c->weight *= 4.0;
    }

  /* Which chats end up busy is chance; scale every chat's English so that the traffic as a whole
   * is 60 % Russian and 40 % English, whatever the sizes. */
  for (int round = 0; round < 4; round++)
    {
      double total = 0, english = 0;

      for (guint i = 0; i < s->chats->len; i++)
        {
          ZvSeedChat *c = s->chats->pdata[i];
          total += c->weight;
          english += c->weight * c->en_share;
        }
      if (english <= 0)
        break;
      for (guint i = 0; i < s->chats->len; i++)
        {
          ZvSeedChat *c = s->chats->pdata[i];
          c->en_share = CLAMP (c->en_share * ZV_SEED_ENGLISH_SHARE * total / english, 0.02, 0.98);
        }
    }
}

gboolean
zv_seed_insert_chats (ZvSeeder *s, GError **error)
{
  double cumulative = 0;

  s->chat_cumulative = g_array_sized_new (FALSE, FALSE, sizeof (double), s->chats->len);
  for (guint i = 0; i < s->chats->len; i++)
    {
      ZvSeedChat *c = s->chats->pdata[i];
      ZvSeedUser *first = s->users->pdata[g_array_index (c->members, guint, 0)];
      gint64 created = s->t_start - (gint64) (1 + zv_seed_rng_range (&s->rng, 60)) * ZV_SEED_DAY_MS;
      sqlite3_stmt *stmt = zv_seed_prep (s, "INSERT INTO chats (type, title, direct_key, created_by, created_at, seq) "
                                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");

      sqlite3_bind_text (stmt, 1, c->direct ? "direct" : "group", -1, SQLITE_STATIC);
      zv_seed_bind_text (stmt, 2, c->title);
      if (c->direct)
        {
          gint64 a = ((ZvSeedUser *) s->users->pdata[g_array_index (c->members, guint, 0)])->id;
          gint64 b = ((ZvSeedUser *) s->users->pdata[g_array_index (c->members, guint, 1)])->id;
          g_autofree char *key = g_strdup_printf ("%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT, MIN (a, b), MAX (a, b));
          zv_seed_bind_text (stmt, 3, key);
        }
      else
        sqlite3_bind_null (stmt, 3);
      sqlite3_bind_int64 (stmt, 4, first->id);
      sqlite3_bind_int64 (stmt, 5, created);
      sqlite3_bind_int64 (stmt, 6, ++s->seq);
      if (!zv_seed_done (s, stmt, error))
        return FALSE;
      c->id = sqlite3_last_insert_rowid (s->handle);

      for (guint m = 0; m < c->members->len; m++)
        {
          ZvSeedUser *u = s->users->pdata[g_array_index (c->members, guint, m)];

          stmt = zv_seed_prep (s, "INSERT INTO members (chat_id, user_id, role, joined_at, seq) VALUES (?1, ?2, ?3, ?4, ?5)");
          sqlite3_bind_int64 (stmt, 1, c->id);
          sqlite3_bind_int64 (stmt, 2, u->id);
          sqlite3_bind_text (stmt, 3, m == 0 && !c->direct ? "owner" : "member", -1, SQLITE_STATIC);
          sqlite3_bind_int64 (stmt, 4, created);
          sqlite3_bind_int64 (stmt, 5, ++s->seq);
          if (!zv_seed_done (s, stmt, error))
            return FALSE;
        }
      cumulative += c->weight;
      g_array_append_val (s->chat_cumulative, cumulative);
    }
  return TRUE;
}

ZvSeedChat *
zv_seed_pick_chat (ZvSeeder *s)
{
  double x = zv_seed_rng_double (&s->rng) * g_array_index (s->chat_cumulative, double, s->chat_cumulative->len - 1);
  guint lo = 0, hi = s->chat_cumulative->len - 1;

  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;
      if (g_array_index (s->chat_cumulative, double, mid) > x)
        hi = mid;
      else
        lo = mid + 1;
    }
  return s->chats->pdata[lo];
}
