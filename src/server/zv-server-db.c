/* zv-server-db.c: the server's SQLite connection. Applies the ordered migrations from
 * zv-server-schema.sql (compiled in as a GResource), caches prepared statements by their SQL text,
 * and owns the change counter that sync tokens and the directory delta are built on. */
#define G_LOG_DOMAIN "zveno-server"

#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "zv-search.h"
#include "zv-server-db.h"
#include "zveno-server-resources.h"

#define SCHEMA_RESOURCE "/org/zveno/Zveno/server/zv-server-schema.sql"
#define MIGRATION_MARK  "-- migration "

struct _ZvServerDb
{
  GObject     parent_instance;

  /* owned */
  sqlite3    *db;
  GHashTable *statements;   /* SQL text (static strings) -> sqlite3_stmt* */
};

G_DEFINE_TYPE (ZvServerDb, zv_server_db, G_TYPE_OBJECT)
G_DEFINE_QUARK (zv-server-db-error-quark, zv_server_db_error)

gint64
zv_server_now_ms (void)
{
  return g_get_real_time () / 1000;
}

static void
zv_server_db_finalize (GObject *object)
{
  ZvServerDb *self = ZV_SERVER_DB (object);

  g_clear_pointer (&self->statements, g_hash_table_unref);
  if (self->db != NULL)
    sqlite3_close_v2 (self->db);

  G_OBJECT_CLASS (zv_server_db_parent_class)->finalize (object);
}

static void
zv_server_db_class_init (ZvServerDbClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = zv_server_db_finalize;
}

static void
zv_server_db_init (ZvServerDb *self)
{
  self->statements = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                            (GDestroyNotify) sqlite3_finalize);
}

void
zv_server_db_set_error (ZvServerDb  *self,
                        GError     **error)
{
  g_set_error (error, ZV_SERVER_DB_ERROR, ZV_SERVER_DB_ERROR_SQLITE,
               "SQLite: %s", sqlite3_errmsg (self->db));
}

gboolean
zv_server_db_exec (ZvServerDb  *self,
                   const char  *sql,
                   GError     **error)
{
  char *msg = NULL;

  if (sqlite3_exec (self->db, sql, NULL, NULL, &msg) != SQLITE_OK)
    {
      g_set_error (error, ZV_SERVER_DB_ERROR, ZV_SERVER_DB_ERROR_SQLITE,
                   "SQLite: %s", msg != NULL ? msg : sqlite3_errmsg (self->db));
      sqlite3_free (msg);
      return FALSE;
    }
  return TRUE;
}

/* The schema file split into (version, SQL) pairs, in file order. */
typedef struct {
  int   version;
  char *sql;
} Migration;

static void
migration_clear (gpointer data)
{
  Migration *m = data;

  g_free (m->sql);
}

static const char *
find_mark (const char *from)
{
  for (const char *p = strstr (from, "\n" MIGRATION_MARK); p != NULL; p = strstr (p + 1, "\n" MIGRATION_MARK))
    if (g_ascii_isdigit (p[1 + strlen (MIGRATION_MARK)]))
      return p + 1;
  return NULL;
}

static GArray *
load_migrations (GError **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GArray) migrations = g_array_new (FALSE, TRUE, sizeof (Migration));
  g_autofree char *text = NULL;
  const char *p;
  gsize len;

  g_array_set_clear_func (migrations, migration_clear);

  /* Looked up in our own resource bundle: naming it also keeps the linker from dropping it
   * out of the static library. */
  bytes = g_resource_lookup_data (zveno_server_get_resource (), SCHEMA_RESOURCE,
                                  G_RESOURCE_LOOKUP_FLAGS_NONE, error);
  if (bytes == NULL)
    return NULL;
  text = g_strndup (g_bytes_get_data (bytes, &len), g_bytes_get_size (bytes));

  /* A migration starts at a line "-- migration N" and runs to the next such line. */
  p = find_mark (text);
  while (p != NULL)
    {
      Migration m;
      const char *body = p + strlen (MIGRATION_MARK);
      const char *next = find_mark (body);

      m.version = (int) g_ascii_strtoll (body, NULL, 10);
      if (m.version <= 0 || (migrations->len > 0 &&
                             m.version != g_array_index (migrations, Migration, migrations->len - 1).version + 1))
        {
          g_set_error (error, ZV_SERVER_DB_ERROR, ZV_SERVER_DB_ERROR_SCHEMA,
                       "Migrations in the schema are not numbered 1, 2, 3, ...");
          return NULL;
        }
      body = strchr (body, '\n') != NULL ? strchr (body, '\n') + 1 : body + strlen (body);
      m.sql = next != NULL ? g_strndup (body, (gsize) (next - body)) : g_strdup (body);
      g_array_append_val (migrations, m);
      p = next;
    }
  return g_steal_pointer (&migrations);
}

int
zv_server_db_schema_version (void)
{
  g_autoptr(GArray) migrations = load_migrations (NULL);

  if (migrations == NULL || migrations->len == 0)
    return 0;
  return g_array_index (migrations, Migration, migrations->len - 1).version;
}

static int
get_user_version (ZvServerDb *self)
{
  sqlite3_stmt *stmt = zv_server_db_prepare (self, "PRAGMA user_version");
  int version = 0;

  if (stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW)
    version = sqlite3_column_int (stmt, 0);
  if (stmt != NULL)
    sqlite3_reset (stmt);
  return version;
}

static gboolean
migrate (ZvServerDb  *self,
         GError     **error)
{
  g_autoptr(GArray) migrations = load_migrations (error);
  int current;

  if (migrations == NULL)
    return FALSE;

  current = get_user_version (self);
  if (migrations->len > 0 && current > g_array_index (migrations, Migration, migrations->len - 1).version)
    {
      g_set_error (error, ZV_SERVER_DB_ERROR, ZV_SERVER_DB_ERROR_SCHEMA,
                   "The database has schema version %d, newer than this zveno-server knows", current);
      return FALSE;
    }

  for (guint i = 0; i < migrations->len; i++)
    {
      Migration *m = &g_array_index (migrations, Migration, i);
      g_autofree char *set_version = NULL;

      if (m->version <= current)
        continue;

      if (!zv_server_db_begin (self, error))
        return FALSE;
      /* PRAGMA takes no parameters; the version is an integer from our own compiled-in file. */
      set_version = g_strdup_printf ("PRAGMA user_version = %d", m->version);
      if (!zv_server_db_exec (self, m->sql, error) ||
          !zv_server_db_exec (self, set_version, error))
        {
          zv_server_db_rollback (self);
          g_prefix_error (error, "Migration %d: ", m->version);
          return FALSE;
        }
      if (!zv_server_db_commit (self, error))
        return FALSE;
      g_debug ("database migrated to schema version %d", m->version);
    }
  return TRUE;
}

/* Bulk loaders may write seq values without touching the counter; never hand out a seq twice. */
static void
raise_change_seq (ZvServerDb *self)
{
  static const char *const sql[] = {
    "SELECT ifnull(max(seq), 0) FROM messages",
    "SELECT ifnull(max(seq), 0) FROM chats",
    "SELECT ifnull(max(seq), 0) FROM members",
    "SELECT ifnull(max(settings_seq), 0) FROM members",
    "SELECT ifnull(max(seq), 0) FROM users",
    "SELECT ifnull(max(seq), 0) FROM read_markers",
  };
  gint64 top = zv_server_db_get_meta (self, "change_seq");

  for (gsize i = 0; i < G_N_ELEMENTS (sql); i++)
    {
      sqlite3_stmt *stmt = zv_server_db_prepare (self, sql[i]);

      if (stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW)
        top = MAX (top, sqlite3_column_int64 (stmt, 0));
      if (stmt != NULL)
        sqlite3_reset (stmt);
    }
  if (top != zv_server_db_get_meta (self, "change_seq"))
    zv_server_db_set_meta (self, "change_seq", top);
}

ZvServerDb *
zv_server_db_open (const char  *path,
                   GError     **error)
{
  g_autoptr(ZvServerDb) self = g_object_new (ZV_TYPE_SERVER_DB, NULL);
  int rc;

  g_return_val_if_fail (path != NULL, NULL);

  rc = sqlite3_open_v2 (path, &self->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, ZV_SERVER_DB_ERROR, ZV_SERVER_DB_ERROR_SQLITE,
                   "Cannot open %s: %s", path,
                   self->db != NULL ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc));
      return NULL;
    }
  /* The admin CLI writes while the server runs; wait for the other writer instead of failing. */
  sqlite3_busy_timeout (self->db, 10000);

  if (!zv_search_register_tokenizer (self->db, error))
    return NULL;

  if (!zv_server_db_exec (self, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;", error))
    return NULL;

  if (!migrate (self, error))
    return NULL;

  raise_change_seq (self);
  return g_steal_pointer (&self);
}

sqlite3 *
zv_server_db_handle (ZvServerDb *self)
{
  g_return_val_if_fail (ZV_IS_SERVER_DB (self), NULL);
  return self->db;
}

sqlite3_stmt *
zv_server_db_prepare (ZvServerDb *self,
                      const char *sql)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (ZV_IS_SERVER_DB (self), NULL);

  /* Keyed by the pointer's string contents: callers pass string literals. */
  stmt = g_hash_table_lookup (self->statements, sql);
  if (stmt != NULL)
    {
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
      return stmt;
    }

  if (sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK)
    {
      g_critical ("Cannot prepare \"%s\": %s", sql, sqlite3_errmsg (self->db));
      return NULL;
    }
  g_hash_table_insert (self->statements, (gpointer) sql, stmt);
  return stmt;
}

gboolean
zv_server_db_step_done (ZvServerDb    *self,
                        sqlite3_stmt  *stmt,
                        GError       **error)
{
  int rc;

  if (stmt == NULL)
    {
      g_set_error (error, ZV_SERVER_DB_ERROR, ZV_SERVER_DB_ERROR_SQLITE, "Bad statement");
      return FALSE;
    }
  rc = sqlite3_step (stmt);
  while (rc == SQLITE_ROW)
    rc = sqlite3_step (stmt);
  if (rc != SQLITE_DONE)
    {
      zv_server_db_set_error (self, error);
      sqlite3_reset (stmt);
      return FALSE;
    }
  sqlite3_reset (stmt);
  return TRUE;
}

gboolean
zv_server_db_begin (ZvServerDb  *self,
                    GError     **error)
{
  return zv_server_db_exec (self, "BEGIN IMMEDIATE", error);
}

gboolean
zv_server_db_commit (ZvServerDb  *self,
                     GError     **error)
{
  return zv_server_db_exec (self, "COMMIT", error);
}

void
zv_server_db_rollback (ZvServerDb *self)
{
  if (!sqlite3_get_autocommit (self->db))
    zv_server_db_exec (self, "ROLLBACK", NULL);
}

gint64
zv_server_db_get_meta (ZvServerDb *self,
                       const char *key)
{
  sqlite3_stmt *stmt = zv_server_db_prepare (self, "SELECT value FROM meta WHERE key = ?1");
  gint64 value = 0;

  if (stmt == NULL)
    return 0;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return value;
}

void
zv_server_db_set_meta (ZvServerDb *self,
                       const char *key,
                       gint64      value)
{
  sqlite3_stmt *stmt = zv_server_db_prepare (self,
    "INSERT INTO meta (key, value) VALUES (?1, ?2) "
    "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
  g_autoptr(GError) error = NULL;

  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, value);
  if (!zv_server_db_step_done (self, stmt, &error))
    g_warning ("Cannot store %s: %s", key, error->message);
}

gint64
zv_server_db_next_seq (ZvServerDb *self)
{
  sqlite3_stmt *stmt = zv_server_db_prepare (self,
    "UPDATE meta SET value = value + 1 WHERE key = 'change_seq' RETURNING value");
  gint64 value = 0;

  if (stmt == NULL)
    return 0;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = sqlite3_column_int64 (stmt, 0);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    ;
  sqlite3_reset (stmt);
  return value;
}

gint64
zv_server_db_current_seq (ZvServerDb *self)
{
  return zv_server_db_get_meta (self, "change_seq");
}

char *
zv_server_db_get_setting (ZvServerDb *self,
                          const char *key)
{
  sqlite3_stmt *stmt = zv_server_db_prepare (self, "SELECT value FROM settings WHERE key = ?1");
  char *value = NULL;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  return value;
}

gboolean
zv_server_db_set_setting (ZvServerDb  *self,
                          const char  *key,
                          const char  *value,
                          GError     **error)
{
  sqlite3_stmt *stmt = zv_server_db_prepare (self,
    "INSERT INTO settings (key, value) VALUES (?1, ?2) "
    "ON CONFLICT (key) DO UPDATE SET value = excluded.value");

  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, value, -1, SQLITE_TRANSIENT);
  return zv_server_db_step_done (self, stmt, error);
}

const char *
zv_server_db_column_text (sqlite3_stmt *stmt,
                          int           col)
{
  const char *text = (const char *) sqlite3_column_text (stmt, col);

  return text != NULL ? text : "";
}
