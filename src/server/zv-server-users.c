/* zv-server-users.c: creating and changing accounts: PBKDF2-SHA256 password hashes, the random SIP
 * secret every user gets and the Kamailio `subscriber` row that lets the PBX check it. Shared by the
 * admin CLI, the Echo bot and the demo seeder, so an account looks the same whoever made it. */
#define G_LOG_DOMAIN "zveno-server"

#include "config.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <string.h>

#include "zv-server-private.h"

#define PBKDF2_PREFIX   "pbkdf2-sha256"
#define PBKDF2_MIN_ITER 200000
#define HASH_LEN        32
#define SALT_LEN        16

char *
zv_password_hash (const char *password,
                  guint       iterations)
{
  guchar salt[SALT_LEN];
  guchar hash[HASH_LEN];
  g_autofree char *salt_b64 = NULL;
  g_autofree char *hash_b64 = NULL;

  g_return_val_if_fail (password != NULL, NULL);

  iterations = MAX (iterations, PBKDF2_MIN_ITER);
  if (RAND_bytes (salt, sizeof salt) != 1)
    return NULL;
  if (PKCS5_PBKDF2_HMAC (password, (int) strlen (password), salt, sizeof salt, (int) iterations,
                         EVP_sha256 (), sizeof hash, hash) != 1)
    return NULL;
  salt_b64 = g_base64_encode (salt, sizeof salt);
  hash_b64 = g_base64_encode (hash, sizeof hash);
  OPENSSL_cleanse (hash, sizeof hash);
  return g_strdup_printf (PBKDF2_PREFIX "$%u$%s$%s", iterations, salt_b64, hash_b64);
}

gboolean
zv_password_verify (const char *password,
                    const char *stored)
{
  g_auto(GStrv) parts = NULL;
  g_autofree guchar *salt = NULL;
  g_autofree guchar *expected = NULL;
  guchar hash[HASH_LEN];
  gsize salt_len = 0, expected_len = 0;
  guint64 iterations;
  gboolean same;

  if (password == NULL || stored == NULL || *stored == '\0')
    return FALSE;
  parts = g_strsplit (stored, "$", 4);
  if (g_strv_length (parts) != 4 || !g_str_equal (parts[0], PBKDF2_PREFIX))
    return FALSE;
  iterations = g_ascii_strtoull (parts[1], NULL, 10);
  if (iterations == 0 || iterations > 100000000)
    return FALSE;
  salt = g_base64_decode (parts[2], &salt_len);
  expected = g_base64_decode (parts[3], &expected_len);
  if (expected_len != HASH_LEN || salt_len == 0)
    return FALSE;
  if (PKCS5_PBKDF2_HMAC (password, (int) strlen (password), salt, (int) salt_len, (int) iterations,
                         EVP_sha256 (), sizeof hash, hash) != 1)
    return FALSE;
  same = CRYPTO_memcmp (hash, expected, HASH_LEN) == 0;
  OPENSSL_cleanse (hash, sizeof hash);
  return same;
}

static char *
md5_hex (const char *text)
{
  return g_compute_checksum_for_string (G_CHECKSUM_MD5, text, -1);
}

/* A SIP secret that survives any SIP stack's quoting: URL-safe base64 of 18 random bytes. */
static char *
random_sip_password (void)
{
  guchar bytes[18];
  char *text;

  if (RAND_bytes (bytes, sizeof bytes) != 1)
    return NULL;
  text = g_base64_encode (bytes, sizeof bytes);
  g_strdelimit (text, "+", '-');
  g_strdelimit (text, "/", '_');
  return text;
}

static gboolean
subscriber_put (ZvServerDb  *db,
                const char  *username,
                const char  *password,
                const char  *domain,
                GError     **error)
{
  sqlite3_stmt *stmt;
  g_autofree char *ha1_src = g_strdup_printf ("%s:%s:%s", username, domain, password);
  g_autofree char *ha1b_src = g_strdup_printf ("%s@%s:%s:%s", username, domain, domain, password);
  g_autofree char *ha1 = md5_hex (ha1_src);
  g_autofree char *ha1b = md5_hex (ha1b_src);

  stmt = zv_server_db_prepare (db,
    "INSERT INTO subscriber (username, domain, password, ha1, ha1b) VALUES (?1, ?2, ?3, ?4, ?5) "
    "ON CONFLICT (username, domain) DO UPDATE SET password = excluded.password, "
    "ha1 = excluded.ha1, ha1b = excluded.ha1b");
  sqlite3_bind_text (stmt, 1, username, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, domain, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, password, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 4, ha1, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 5, ha1b, -1, SQLITE_TRANSIENT);
  return zv_server_db_step_done (db, stmt, error);
}

char *
zv_users_sip_domain (ZvServerDb *db)
{
  char *domain = zv_server_db_get_setting (db, "sip_domain");

  return domain != NULL ? domain : g_strdup ("127.0.0.1");
}

gint64
zv_users_create (ZvServerDb        *db,
                 const ZvUserSpec  *spec,
                 const char        *sip_domain,
                 GError           **error)
{
  g_autofree char *hash = NULL;
  g_autofree char *sip_password = random_sip_password ();
  g_autofree char *domain = sip_domain != NULL ? g_strdup (sip_domain) : zv_users_sip_domain (db);
  g_autofree char *sip_username = NULL;
  sqlite3_stmt *stmt;
  gint64 id;

  g_return_val_if_fail (spec != NULL && spec->login != NULL && spec->name != NULL, 0);

  if (spec->password != NULL)
    hash = zv_password_hash (spec->password, PBKDF2_MIN_ITER);
  if (sip_password == NULL || (spec->password != NULL && hash == NULL))
    {
      g_set_error (error, ZV_SERVER_DB_ERROR, ZV_SERVER_DB_ERROR_SQLITE,
                   "The system random generator failed");
      return 0;
    }
  sip_username = g_ascii_strdown (spec->login, -1);

  if (!zv_server_db_begin (db, error))
    return 0;
  stmt = zv_server_db_prepare (db,
    "INSERT INTO users (login, name, title, department, email, extension, mobile, company_phone, "
    "external, is_bot, password_hash, sip_username, sip_password, created_at, seq) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)");
  sqlite3_bind_text (stmt, 1, spec->login, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, spec->name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, spec->title ? spec->title : "", -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 4, spec->department ? spec->department : "", -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 5, spec->email ? spec->email : "", -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 6, spec->extension ? spec->extension : "", -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 7, spec->mobile ? spec->mobile : "", -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 8, spec->company_phone ? spec->company_phone : "", -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, 9, spec->external ? 1 : 0);
  sqlite3_bind_int (stmt, 10, spec->is_bot ? 1 : 0);
  sqlite3_bind_text (stmt, 11, hash != NULL ? hash : "", -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 12, sip_username, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 13, sip_password, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 14, zv_server_now_ms ());
  sqlite3_bind_int64 (stmt, 15, zv_server_db_next_seq (db));
  if (!zv_server_db_step_done (db, stmt, error))
    {
      zv_server_db_rollback (db);
      return 0;
    }
  id = sqlite3_last_insert_rowid (zv_server_db_handle (db));

  if (!subscriber_put (db, sip_username, sip_password, domain, error) ||
      !zv_server_db_commit (db, error))
    {
      zv_server_db_rollback (db);
      return 0;
    }
  return id;
}

gboolean
zv_users_set_disabled (ZvServerDb  *db,
                       const char  *login,
                       gboolean     disabled,
                       const char  *sip_domain,
                       GError     **error)
{
  g_autofree char *domain = sip_domain != NULL ? g_strdup (sip_domain) : zv_users_sip_domain (db);
  g_autofree char *sip_username = NULL;
  g_autofree char *sip_password = NULL;
  sqlite3_stmt *stmt;
  gint64 user_id = 0;

  if (!zv_server_db_begin (db, error))
    return FALSE;

  stmt = zv_server_db_prepare (db, "SELECT id, sip_username, sip_password FROM users WHERE login = ?1");
  sqlite3_bind_text (stmt, 1, login, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      user_id = sqlite3_column_int64 (stmt, 0);
      sip_username = g_strdup (zv_server_db_column_text (stmt, 1));
      sip_password = g_strdup (zv_server_db_column_text (stmt, 2));
    }
  sqlite3_reset (stmt);
  if (user_id == 0)
    {
      zv_server_db_rollback (db);
      g_set_error (error, ZV_SERVER_DB_ERROR, ZV_SERVER_DB_ERROR_SQLITE, "No user \"%s\"", login);
      return FALSE;
    }

  stmt = zv_server_db_prepare (db, "UPDATE users SET disabled = ?2, seq = ?3 WHERE id = ?1");
  sqlite3_bind_int64 (stmt, 1, user_id);
  sqlite3_bind_int (stmt, 2, disabled ? 1 : 0);
  sqlite3_bind_int64 (stmt, 3, zv_server_db_next_seq (db));
  if (!zv_server_db_step_done (db, stmt, error))
    goto fail;

  if (disabled)
    {
      /* The PBX must refuse the account at once, not when a token would have expired. */
      stmt = zv_server_db_prepare (db, "DELETE FROM subscriber WHERE username = ?1");
      sqlite3_bind_text (stmt, 1, sip_username, -1, SQLITE_TRANSIENT);
      if (!zv_server_db_step_done (db, stmt, error))
        goto fail;
      /* Tell open event streams; the server also closes them on its next check. */
      stmt = zv_server_db_prepare (db,
        "INSERT INTO events (user_id, type, data, created_at) VALUES (?1, 'account.disabled', '{}', ?2)");
      sqlite3_bind_int64 (stmt, 1, user_id);
      sqlite3_bind_int64 (stmt, 2, zv_server_now_ms ());
      if (!zv_server_db_step_done (db, stmt, error))
        goto fail;
    }
  else if (!subscriber_put (db, sip_username, sip_password, domain, error))
    goto fail;

  return zv_server_db_commit (db, error);

fail:
  zv_server_db_rollback (db);
  return FALSE;
}

gboolean
zv_users_set_password (ZvServerDb  *db,
                       const char  *login,
                       const char  *password,
                       GError     **error)
{
  g_autofree char *hash = zv_password_hash (password, PBKDF2_MIN_ITER);
  sqlite3_stmt *stmt;

  if (hash == NULL)
    {
      g_set_error (error, ZV_SERVER_DB_ERROR, ZV_SERVER_DB_ERROR_SQLITE,
                   "The system random generator failed");
      return FALSE;
    }
  stmt = zv_server_db_prepare (db, "UPDATE users SET password_hash = ?2 WHERE login = ?1");
  sqlite3_bind_text (stmt, 1, login, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, hash, -1, SQLITE_TRANSIENT);
  if (!zv_server_db_step_done (db, stmt, error))
    return FALSE;
  if (sqlite3_changes (zv_server_db_handle (db)) == 0)
    {
      g_set_error (error, ZV_SERVER_DB_ERROR, ZV_SERVER_DB_ERROR_SQLITE, "No user \"%s\"", login);
      return FALSE;
    }
  return TRUE;
}
