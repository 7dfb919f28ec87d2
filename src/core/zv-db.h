/* zv-db.h: one SQLite connection with a prepared-statement cache and ordered migrations.
 *
 * Not a GObject: a connection belongs to exactly one thread (the store's writer, or one reader), and
 * a plain struct with an autoptr cleanup says so. */
#pragma once

#include <glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

#define ZV_DB_ERROR (zv_db_error_quark ())

typedef enum {
  ZV_DB_ERROR_FAILED,        /* any SQLite error; the message carries SQLite's text */
  ZV_DB_ERROR_BUSY,
  ZV_DB_ERROR_FULL,          /* the disk is full */
  ZV_DB_ERROR_CORRUPT,
  ZV_DB_ERROR_SCHEMA,        /* a schema file we cannot apply, or a database newer than this build */
} ZvDbError;

typedef enum {
  ZV_DB_OPEN_READ_WRITE = 0,
  ZV_DB_OPEN_READ_ONLY  = 1 << 0,
} ZvDbOpenFlags;

typedef struct _ZvDb ZvDb;

GQuark          zv_db_error_quark     (void);
ZvDb           *zv_db_open            (const char     *path,
                                       ZvDbOpenFlags   flags,
                                       GError        **error);
void            zv_db_close           (ZvDb           *self);
sqlite3        *zv_db_handle          (ZvDb           *self);
sqlite3_stmt   *zv_db_prepare         (ZvDb           *self,
                                       const char     *sql,
                                       GError        **error);
gboolean        zv_db_step_done       (ZvDb           *self,
                                       sqlite3_stmt   *stmt,
                                       GError        **error);
gboolean        zv_db_exec            (ZvDb           *self,
                                       const char     *sql,
                                       GError        **error);
gboolean        zv_db_begin           (ZvDb           *self,
                                       GError        **error);
gboolean        zv_db_commit          (ZvDb           *self,
                                       GError        **error);
void            zv_db_rollback        (ZvDb           *self);
int             zv_db_schema_version  (const char     *schema);
gboolean        zv_db_migrate         (ZvDb           *self,
                                       const char     *schema,
                                       GError        **error);
int             zv_db_user_version    (ZvDb           *self);
void            zv_db_set_error       (ZvDb           *self,
                                       GError        **error);
const char     *zv_db_column_text     (sqlite3_stmt   *stmt,
                                       int             column);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ZvDb, zv_db_close)

G_END_DECLS
