/* zv-server-db.h: zveno-server's SQLite connection: schema migrations, cached prepared statements,
 * transactions and the change counter behind sync tokens. */
#pragma once

#include <glib-object.h>
#include <sqlite3.h>

G_BEGIN_DECLS

#define ZV_SERVER_DB_ERROR (zv_server_db_error_quark ())

typedef enum {
  ZV_SERVER_DB_ERROR_SQLITE,
  ZV_SERVER_DB_ERROR_SCHEMA,   /* the file's schema is newer than this build, or a migration failed */
} ZvServerDbError;

#define ZV_TYPE_SERVER_DB (zv_server_db_get_type ())
G_DECLARE_FINAL_TYPE (ZvServerDb, zv_server_db, ZV, SERVER_DB, GObject)

GQuark        zv_server_db_error_quark   (void);

/* Opens (creating if needed) and migrates @path. WAL mode, foreign keys off (bulk loaders),
 * busy timeout so that the admin CLI and the server can write the same file. */
ZvServerDb   *zv_server_db_open          (const char   *path,
                                          GError      **error);
sqlite3      *zv_server_db_handle        (ZvServerDb   *self);
int           zv_server_db_schema_version (void);

/* A cached statement, reset and with bindings cleared; never finalize it. NULL on a bad statement
 * (a programming error: logged as critical). */
sqlite3_stmt *zv_server_db_prepare       (ZvServerDb   *self,
                                          const char   *sql);
/* Runs statements that take no parameters (schema, PRAGMAs). */
gboolean      zv_server_db_exec          (ZvServerDb   *self,
                                          const char   *sql,
                                          GError      **error);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. */
gboolean      zv_server_db_begin         (ZvServerDb   *self,
                                          GError      **error);
gboolean      zv_server_db_commit        (ZvServerDb   *self,
                                          GError      **error);
void          zv_server_db_rollback      (ZvServerDb   *self);

/* Steps @stmt to completion (INSERT/UPDATE/DELETE). Sets @error from sqlite on failure. */
gboolean      zv_server_db_step_done     (ZvServerDb   *self,
                                          sqlite3_stmt *stmt,
                                          GError      **error);

/* Sets @error from the connection's last error. */
void          zv_server_db_set_error     (ZvServerDb   *self,
                                          GError      **error);

/* Next value of the change counter (call inside a transaction). */
gint64        zv_server_db_next_seq      (ZvServerDb   *self);
gint64        zv_server_db_current_seq   (ZvServerDb   *self);

/* meta table access. */
gint64        zv_server_db_get_meta      (ZvServerDb   *self,
                                          const char   *key);
void          zv_server_db_set_meta      (ZvServerDb   *self,
                                          const char   *key,
                                          gint64        value);

/* settings table access; returns a new string or NULL. */
char         *zv_server_db_get_setting   (ZvServerDb   *self,
                                          const char   *key);
gboolean      zv_server_db_set_setting   (ZvServerDb   *self,
                                          const char   *key,
                                          const char   *value,
                                          GError      **error);

/* Column text as a non-NULL borrowed string. */
const char   *zv_server_db_column_text   (sqlite3_stmt *stmt,
                                          int           col);

gint64        zv_server_now_ms           (void);

G_END_DECLS
