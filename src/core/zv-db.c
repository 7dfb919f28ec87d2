/* zv-db.c: SQLite connections configured the one way Zveno uses them (WAL, foreign keys, the
 * "zveno" search tokenizer), a cache of prepared statements, and a migration runner.
 *
 * A schema is one SQL text of blocks headed "-- migration N", N = 1, 2, 3, ... Blocks above
 * PRAGMA user_version are applied in order, each in its own transaction together with the new
 * user_version, so a crash mid-migration leaves the previous version intact.
 */
#define G_LOG_DOMAIN "zveno-core"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zv-db.h"
#include "zv-search.h"

#define MIGRATION_MARK "-- migration "

struct _ZvDb
{
  sqlite3    *db;
  GHashTable *statements;   /* SQL text -> sqlite3_stmt* */
};

G_DEFINE_QUARK (zv-db-error-quark, zv_db_error)

void
zv_db_set_error (ZvDb    *self,
                 GError **error)
{
  int code = sqlite3_extended_errcode (self->db);
  ZvDbError domain_code;

  int os_error = sqlite3_system_errno (self->db);

  switch (code & 0xff)
    {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      domain_code = ZV_DB_ERROR_BUSY;
      break;
    case SQLITE_FULL:
      domain_code = ZV_DB_ERROR_FULL;
      break;
    case SQLITE_IOERR:
      /* Only ENOSPC becomes SQLITE_FULL: a quota (EDQUOT) or a file size limit (EFBIG) is a
       * failed write, and by the time it is reported the OS error is usually gone (SQLite keeps
       * errno per file, not per connection: 0 here). A failed write on a desktop is nearly always
       * one of these, and the person can do something about them, so they are told so; the
       * transaction was rolled back, so nothing is lost and the next sync continues. */
      domain_code = code == SQLITE_IOERR_WRITE &&
                    (os_error == 0 || os_error == ENOSPC || os_error == EFBIG || os_error == EDQUOT)
                    ? ZV_DB_ERROR_FULL : ZV_DB_ERROR_FAILED;
      break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      domain_code = ZV_DB_ERROR_CORRUPT;
      break;
    default:
      domain_code = ZV_DB_ERROR_FAILED;
      break;
    }
  if (domain_code == ZV_DB_ERROR_FULL)
    g_set_error_literal (error, ZV_DB_ERROR, domain_code,
                         _("Messages cannot be saved on this computer: the disk is full or refuses more "
                           "data. Free some disk space; nothing is lost, and the next sync continues where "
                           "this one stopped"));
  else
    g_set_error (error, ZV_DB_ERROR, domain_code, "%s", sqlite3_errmsg (self->db));
}

static void
finalize_stmt (gpointer data)
{
  sqlite3_finalize (data);
}

ZvDb *
zv_db_open (const char     *path,
            ZvDbOpenFlags   flags,
            GError        **error)
{
  g_autoptr(ZvDb) self = g_new0 (ZvDb, 1);
  int open_flags = SQLITE_OPEN_NOMUTEX;
  int rc;

  g_return_val_if_fail (path != NULL, NULL);

  self->statements = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, finalize_stmt);

  if (flags & ZV_DB_OPEN_READ_ONLY)
    open_flags |= SQLITE_OPEN_READONLY;
  else
    {
      open_flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
      /* The cache holds the company's chats: owner only. SQLite gives the -wal and -shm files the
       * main file's mode, so creating (or fixing) the main file as 0600 covers all three. */
      if (g_strcmp0 (path, ":memory:") != 0)
        {
          int fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

          if (fd >= 0)
            {
              fchmod (fd, 0600);
              close (fd);
            }
        }
    }

  rc = sqlite3_open_v2 (path, &self->db, open_flags, NULL);
  if (rc != SQLITE_OK)
    {
      if (self->db != NULL)
        zv_db_set_error (self, error);
      else
        g_set_error (error, ZV_DB_ERROR, ZV_DB_ERROR_FAILED, "%s", sqlite3_errstr (rc));
      return NULL;
    }
  sqlite3_extended_result_codes (self->db, 1);
  sqlite3_busy_timeout (self->db, 5000);

  if (!zv_search_register_tokenizer (self->db, error))
    return NULL;

  if (!(flags & ZV_DB_OPEN_READ_ONLY))
    {
      /* WAL lets readers run beside the writer; NORMAL is durable across application crashes
       * (the case we care about: kill -9) and loses at most the last commits on power loss. */
      if (!zv_db_exec (self, "PRAGMA journal_mode = WAL", error) ||
          !zv_db_exec (self, "PRAGMA synchronous = NORMAL", error))
        return NULL;
    }
  if (!zv_db_exec (self, "PRAGMA foreign_keys = ON", error))
    return NULL;
  /* SQLite's default page cache is 2 MiB per connection, held from startup on. The main thread's
   * reader reads pages of one chat, the chat list and search hits, all by index: 512 KiB keeps the
   * index pages hot and the rest comes from the OS's file cache (measured: -1.5 MB of the app's
   * RSS at startup over a 1,000,000-message cache). The writer keeps the default: at startup it
   * has read little, and its sync transactions want the index pages. */
  if ((flags & ZV_DB_OPEN_READ_ONLY) && !zv_db_exec (self, "PRAGMA cache_size = -512", error))
    return NULL;

  return g_steal_pointer (&self);
}

void
zv_db_close (ZvDb *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->statements, g_hash_table_unref);
  if (self->db != NULL)
    sqlite3_close_v2 (self->db);
  g_free (self);
}

sqlite3 *
zv_db_handle (ZvDb *self)
{
  return self->db;
}

/**
 * zv_db_prepare:
 *
 * Returns: (transfer none): a cached statement, reset and with its bindings cleared. Never build
 * @sql with printf: bind values instead.
 */
sqlite3_stmt *
zv_db_prepare (ZvDb        *self,
               const char  *sql,
               GError     **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (self->statements, sql);

  if (stmt != NULL)
    {
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
      return stmt;
    }

  if (sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK)
    {
      zv_db_set_error (self, error);
      g_prefix_error (error, "%s: ", sql);
      return NULL;
    }
  g_hash_table_insert (self->statements, g_strdup (sql), stmt);
  return stmt;
}

/* Steps a statement that returns no rows, then resets it. */
gboolean
zv_db_step_done (ZvDb          *self,
                 sqlite3_stmt  *stmt,
                 GError       **error)
{
  int rc = sqlite3_step (stmt);

  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    {
      zv_db_set_error (self, error);
      sqlite3_reset (stmt);
      return FALSE;
    }
  sqlite3_reset (stmt);
  return TRUE;
}

/* Runs SQL text of one or more statements without parameters (schema, pragmas, BEGIN/COMMIT). */
gboolean
zv_db_exec (ZvDb        *self,
            const char  *sql,
            GError     **error)
{
  char *message = NULL;

  if (sqlite3_exec (self->db, sql, NULL, NULL, &message) != SQLITE_OK)
    {
      zv_db_set_error (self, error);
      sqlite3_free (message);
      return FALSE;
    }
  return TRUE;
}

gboolean
zv_db_begin (ZvDb    *self,
             GError **error)
{
  /* IMMEDIATE takes the write lock now, so a busy database fails here and not halfway through. */
  return zv_db_exec (self, "BEGIN IMMEDIATE", error);
}

gboolean
zv_db_commit (ZvDb    *self,
              GError **error)
{
  return zv_db_exec (self, "COMMIT", error);
}

void
zv_db_rollback (ZvDb *self)
{
  if (!sqlite3_get_autocommit (self->db))
    sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
}

int
zv_db_user_version (ZvDb *self)
{
  sqlite3_stmt *stmt = zv_db_prepare (self, "PRAGMA user_version", NULL);
  int version = -1;

  if (stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW)
    version = sqlite3_column_int (stmt, 0);
  if (stmt != NULL)
    sqlite3_reset (stmt);
  return version;
}

typedef struct {
  int   version;
  char *sql;
} Migration;

static void
migration_clear (gpointer data)
{
  g_free (((Migration *) data)->sql);
}

static GArray *
split_migrations (const char  *schema,
                  GError     **error)
{
  g_autoptr(GArray) migrations = g_array_new (FALSE, TRUE, sizeof (Migration));
  const char *p;

  /* A header counts only at the start of a line, so comments may mention the convention. */
  if (g_str_has_prefix (schema, MIGRATION_MARK))
    p = schema;
  else if ((p = strstr (schema, "\n" MIGRATION_MARK)) != NULL)
    p++;

  g_array_set_clear_func (migrations, migration_clear);

  while (p != NULL)
    {
      Migration m;
      const char *body = p + strlen (MIGRATION_MARK);
      const char *next = strstr (body, "\n" MIGRATION_MARK);
      int expected = (int) migrations->len + 1;

      m.version = (int) g_ascii_strtoll (body, NULL, 10);
      if (m.version != expected)
        {
          g_set_error (error, ZV_DB_ERROR, ZV_DB_ERROR_SCHEMA,
                       "schema migration %d found where %d was expected", m.version, expected);
          return NULL;
        }
      /* The block's SQL starts on the line after its "-- migration N" header. */
      body = strchr (body, '\n');
      if (body == NULL)
        body = "";
      m.sql = next != NULL ? g_strndup (body, (gsize) (next - body)) : g_strdup (body);
      g_array_append_val (migrations, m);
      p = next != NULL ? next + 1 : NULL;
    }

  return g_steal_pointer (&migrations);
}

/* The newest version a schema text describes, 0 if it has no migrations, -1 if it is malformed. */
int
zv_db_schema_version (const char *schema)
{
  g_autoptr(GArray) migrations = split_migrations (schema, NULL);

  return migrations == NULL ? -1 : (int) migrations->len;
}

gboolean
zv_db_migrate (ZvDb        *self,
               const char  *schema,
               GError     **error)
{
  g_autoptr(GArray) migrations = split_migrations (schema, error);
  int current;

  if (migrations == NULL)
    return FALSE;

  current = zv_db_user_version (self);
  if (current < 0)
    {
      zv_db_set_error (self, error);
      return FALSE;
    }
  if (current > (int) migrations->len)
    {
      g_set_error (error, ZV_DB_ERROR, ZV_DB_ERROR_SCHEMA,
                   "the database has schema version %d, newer than the %u this build knows",
                   current, migrations->len);
      return FALSE;
    }

  for (guint i = (guint) current; i < migrations->len; i++)
    {
      Migration *m = &g_array_index (migrations, Migration, i);
      g_autofree char *set_version = NULL;

      if (!zv_db_begin (self, error))
        return FALSE;
      /* PRAGMA takes no parameters; the number comes from our own compiled-in schema. */
      set_version = g_strdup_printf ("PRAGMA user_version = %d", m->version);
      if (!zv_db_exec (self, m->sql, error) || !zv_db_exec (self, set_version, error))
        {
          zv_db_rollback (self);
          g_prefix_error (error, "migration %d: ", m->version);
          return FALSE;
        }
      if (!zv_db_commit (self, error))
        {
          zv_db_rollback (self);
          return FALSE;
        }
    }

  return TRUE;
}

const char *
zv_db_column_text (sqlite3_stmt *stmt,
                   int           column)
{
  const unsigned char *text = sqlite3_column_text (stmt, column);

  return text != NULL ? (const char *) text : "";
}
