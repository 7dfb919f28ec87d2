/* zv-seed-private.h: what the parts of the demo seeder share: its state, the deterministic random
 * generator, the weighted office clock, and the steps in zv-seed-chats.c and zv-seed-messages.c. */
#pragma once

#include <glib.h>
#include <sqlite3.h>

#include "zv-server-db.h"

G_BEGIN_DECLS

#define ZV_SEED_DAY_MS (24 * 3600 * (gint64) 1000)

/* Share of English in the traffic; the rest is Russian. */
#define ZV_SEED_ENGLISH_SHARE 0.4

/* xoshiro256**: small, fast and the same on every platform, unlike rand(). */
typedef struct {
  guint64 s[4];
} ZvSeedRng;

typedef struct {
  gint64 start;       /* ms */
  gint64 length;      /* ms */
  double weight;      /* messages per ms, relative */
  double cumulative;  /* weighted length of the segments before this one */
} ZvSeedSegment;

typedef struct {
  gint64    id;
  char     *first;
  char     *name;
  char     *login;
  char     *email;
  char     *extension;
  char     *mobile;
  int       department;   /* index in zv_seed_departments, -1 for external people */
  int       company;      /* index in zv_seed_companies for external people */
  gboolean  external;
  gboolean  english;
  gboolean  female;
} ZvSeedUser;

#define ZV_SEED_RECENT 8

typedef struct {
  gint64    id;
  char     *title;
  GArray   *members;      /* guint indexes into ZvSeeder.users */
  double    weight;       /* share of the traffic */
  double    en_share;     /* chance that a conversation here is in English */
  int       project;      /* index in zv_seed_project_names: what this chat talks about */
  gboolean  direct;
  gboolean  external;     /* someone from outside the company is in it */
  /* filled while writing messages */
  gint64    recent[ZV_SEED_RECENT];
  guint     n_recent;
  gint64    last_id;
  gint64    count;
} ZvSeedChat;

typedef struct {
  char   *sha256;
  char   *extension;      /* "pdf", "csv", ... */
  char   *content_type;
  GBytes *bytes;
} ZvSeedFile;

typedef struct {
  /* options, borrowed */
  const char *db_path;
  const char *password;
  char       *files_dir;
  guint       n_users;
  guint       n_chats;
  gint64      n_messages;
  gint64      t_start;
  gint64      t_end;
  gboolean    force;
  gboolean    quiet;

  /* owned */
  ZvSeedRng   rng;
  ZvServerDb *db;
  sqlite3    *handle;     /* borrowed from db */
  char       *sip_domain;
  char       *password_hash;
  GPtrArray  *users;      /* ZvSeedUser*, internal first, then external */
  guint       n_internal;
  GPtrArray  *chats;      /* ZvSeedChat* */
  GArray     *chat_cumulative;
  GPtrArray  *crm;        /* "phone\nname" of CRM cards, for calls */
  GHashTable *logins;
  GArray     *segments;   /* ZvSeedSegment */
  double      activity_total;
  GPtrArray  *file_pool;  /* ZvSeedFile*: distinct attachment contents */
  gint64      seq;

  /* results */
  gint64      n_messages_made;
  gint64      n_russian;
  gint64      n_files_made;
  gint64      n_calls_made;
  double      seconds;
} ZvSeeder;

void          zv_seed_rng_init           (ZvSeedRng   *r,
                                          guint64      seed);
guint64       zv_seed_rng_next           (ZvSeedRng   *r);
guint64       zv_seed_rng_range          (ZvSeedRng   *r,
                                          guint64      n);
double        zv_seed_rng_double         (ZvSeedRng   *r);
gboolean      zv_seed_rng_chance         (ZvSeedRng   *r,
                                          double       p);
gsize         zv_seed_rng_skewed         (ZvSeedRng   *r,
                                          gsize        n);

#define PICK(r, list) (list[zv_seed_rng_range ((r), list##_len)])

sqlite3_stmt *zv_seed_prep               (ZvSeeder    *s,
                                          const char  *sql);
gboolean      zv_seed_done               (ZvSeeder    *s,
                                          sqlite3_stmt *stmt,
                                          GError     **error);
void          zv_seed_bind_text          (sqlite3_stmt *stmt,
                                          int          col,
                                          const char  *text);

gint64        zv_seed_activity_to_time   (ZvSeeder    *s,
                                          double       a,
                                          guint       *hint);
gint64        zv_seed_random_work_time   (ZvSeeder    *s);
char         *zv_seed_russian_mobile     (ZvSeeder    *s);
char         *zv_seed_english_mobile     (ZvSeeder    *s);
char         *zv_seed_subst_s            (const char  *pattern,
                                          const char  *arg);

/* zv-seed-chats.c */
void          zv_seed_chat_free          (ZvSeedChat  *c);
void          zv_seed_plan_chats         (ZvSeeder    *s);
gboolean      zv_seed_insert_chats       (ZvSeeder    *s,
                                          GError     **error);
ZvSeedChat   *zv_seed_pick_chat          (ZvSeeder    *s);

/* zv-seed-messages.c */
gboolean      zv_seed_messages           (ZvSeeder    *s,
                                          GError     **error);
gboolean      zv_seed_read_markers_and_calls (ZvSeeder *s,
                                          GError     **error);
gboolean      zv_seed_write_files        (ZvSeeder    *s,
                                          GError     **error);

G_END_DECLS
