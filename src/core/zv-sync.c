/* zv-sync.c: the sync engine: /sync pages and the directory, written through the store.
 *
 * Each page is decoded and applied inside one store transaction together with the token that
 * follows it, so the cache is always "as of some token": a crash, a kill -9 or a malformed page
 * leaves it at the last good token, and the next run resumes from there. Decoding is strict: a page
 * with a wrong type anywhere is refused whole (ZV_API_ERROR_INVALID_RESPONSE) and nothing of it is
 * written.
 */
#define G_LOG_DOMAIN "zveno-core"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "zv-error.h"
#include "zv-json.h"
#include "zv-sync.h"

#define SYNC_PAGE_LIMIT 500
#define DIRECTORY_PAGE_LIMIT 500
#define MAX_ATTEMPTS 3          /* per page: the first try and two retries */
#define RETRY_BASE_MS 500

struct _ZvSync
{
  GObject      parent_instance;

  /* owned */
  ZvAccount   *account;
  ZvSyncStats  stats;
};

G_DEFINE_FINAL_TYPE (ZvSync, zv_sync, G_TYPE_OBJECT)

enum {
  PROGRESS,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static gboolean
step (ZvDb          *db,
      sqlite3_stmt  *stmt,
      GError       **error)
{
  return stmt != NULL && zv_db_step_done (db, stmt, error);
}

/* Runs a one-parameter statement such as "DELETE FROM chats WHERE id = ?1". */
static gboolean
delete_by_id (ZvDb        *db,
              const char  *sql,
              gint64       id,
              GError     **error)
{
  sqlite3_stmt *stmt = zv_db_prepare (db, sql, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  return step (db, stmt, error);
}

static char *
json_array_text (JsonObject *object,
                 const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return g_strdup ("[]");
  return zv_json_to_string (node);
}

/* ---- applying ----------------------------------------------------------------------------------- */

/* Unread counts move one message at a time, except for chats whose row (with the server's own
 * unread count) came in the same page: there the count is already right. */
static gboolean
apply_message (ZvDb            *db,
               gint64           me,
               JsonObject      *message,
               gboolean         count_unread,
               ZvStoreChanges  *changes,
               GError         **error)
{
  gint64 id, chat_id, sender_id, reply_to, created_at, edited_at;
  const char *text, *client_id;
  gboolean deleted = FALSE, existed = FALSE, was_deleted = FALSE;
  int unread_delta = 0;
  g_autofree char *reactions = NULL;
  g_autofree char *attachments = NULL;
  sqlite3_stmt *stmt;

  if (!zv_json_get_int (message, "id", &id, error) ||
      !zv_json_get_int (message, "chat_id", &chat_id, error) ||
      !zv_json_get_int (message, "sender_id", &sender_id, error) ||
      (text = zv_json_get_string (message, "text", error)) == NULL ||
      !zv_json_get_string_or_null (message, "client_id", &client_id, error) ||
      !zv_json_get_int_or_null (message, "reply_to", 0, &reply_to, error) ||
      !zv_json_get_time (message, "created_at", FALSE, &created_at, error) ||
      !zv_json_get_time (message, "edited_at", TRUE, &edited_at, error) ||
      !zv_json_get_bool (message, "deleted", FALSE, &deleted, error) ||
      (json_object_has_member (message, "reactions") && !zv_json_get_array (message, "reactions", TRUE, error)) ||
      (json_object_has_member (message, "attachments") && !zv_json_get_array (message, "attachments", TRUE, error)))
    return FALSE;

  reactions = json_array_text (message, "reactions");
  attachments = json_array_text (message, "attachments");

  stmt = zv_db_prepare (db, "SELECT deleted FROM messages WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      existed = TRUE;
      was_deleted = sqlite3_column_int (stmt, 0) != 0;
    }
  sqlite3_reset (stmt);
  if (count_unread && sender_id != me)
    {
      if (!existed && !deleted)
        unread_delta = 1;
      else if (existed && !was_deleted && deleted)
        unread_delta = -1;
    }

  /* Our own message acknowledged: the pending copy gives way to the server's. */
  if (client_id != NULL && sender_id == me)
    {
      stmt = zv_db_prepare (db, "DELETE FROM messages WHERE client_id = ?1 AND state != 'sent'", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, client_id, -1, SQLITE_TRANSIENT);
      if (!step (db, stmt, error))
        return FALSE;
      stmt = zv_db_prepare (db, "DELETE FROM outbox WHERE client_id = ?1", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, client_id, -1, SQLITE_TRANSIENT);
      if (!step (db, stmt, error))
        return FALSE;
    }

  /* One message per (sender, client id), as the server promises; should an answer ever name a
   * second one, the newest copy wins instead of the whole page failing for good on the index. */
  if (client_id != NULL)
    {
      stmt = zv_db_prepare (db, "DELETE FROM messages WHERE sender_id = ?1 AND client_id = ?2 AND id != ?3", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, sender_id);
      sqlite3_bind_text (stmt, 2, client_id, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (stmt, 3, id);
      if (!step (db, stmt, error))
        return FALSE;
    }

  stmt = zv_db_prepare (db,
                        "INSERT INTO messages (id, chat_id, sender_id, client_id, text, reply_to, created_at, "
                        "edited_at, deleted, state, attachments, reactions) "
                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'sent', ?10, ?11) "
                        "ON CONFLICT (id) DO UPDATE SET text = excluded.text, edited_at = excluded.edited_at, "
                        "deleted = excluded.deleted, attachments = excluded.attachments, "
                        "reactions = excluded.reactions, reply_to = excluded.reply_to",
                        error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  sqlite3_bind_int64 (stmt, 2, chat_id);
  sqlite3_bind_int64 (stmt, 3, sender_id);
  if (client_id != NULL)
    sqlite3_bind_text (stmt, 4, client_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 5, deleted ? "" : text, -1, SQLITE_TRANSIENT);
  if (reply_to > 0)
    sqlite3_bind_int64 (stmt, 6, reply_to);
  sqlite3_bind_int64 (stmt, 7, created_at);
  if (edited_at > 0)
    sqlite3_bind_int64 (stmt, 8, edited_at);
  sqlite3_bind_int (stmt, 9, deleted);
  sqlite3_bind_text (stmt, 10, attachments, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 11, reactions, -1, SQLITE_TRANSIENT);
  if (!step (db, stmt, error))
    return FALSE;

  /* The chat list orders by the newest message. */
  stmt = zv_db_prepare (db, "UPDATE chats SET last_activity = max(last_activity, ?2), "
                            "last_message_id = max(ifnull(last_message_id, 0), ?3) WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, chat_id);
  sqlite3_bind_int64 (stmt, 2, created_at);
  sqlite3_bind_int64 (stmt, 3, id);
  if (!step (db, stmt, error))
    return FALSE;

  if (unread_delta != 0)
    {
      stmt = zv_db_prepare (db, "UPDATE chats SET unread = max(0, unread + ?2) WHERE id = ?1 AND read_up_to < ?3",
                            error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, chat_id);
      sqlite3_bind_int (stmt, 2, unread_delta);
      sqlite3_bind_int64 (stmt, 3, id);
      if (!step (db, stmt, error))
        return FALSE;
    }

  zv_store_changes_add_chat (changes, chat_id);
  changes->flags |= ZV_STORE_CHANGED_CHATS;
  return TRUE;
}

/**
 * zv_sync_apply_message:
 *
 * Upserts one message as the server sent it (replacing our pending copy of it) and moves the
 * chat's unread count and activity. Runs inside the caller's transaction.
 */
gboolean
zv_sync_apply_message (ZvDb            *db,
                       gint64           me,
                       JsonObject      *message,
                       ZvStoreChanges  *changes,
                       GError         **error)
{
  return apply_message (db, me, message, TRUE, changes, error);
}

static gboolean
apply_chat (ZvDb            *db,
            JsonObject      *chat,
            ZvStoreChanges  *changes,
            GError         **error)
{
  gint64 id, last_message_id = 0, read_up_to = 0, unread = 0, created_at = 0;
  const char *type, *title;
  gboolean limited = FALSE, muted = FALSE, pinned = FALSE, external = FALSE;
  JsonArray *members;
  sqlite3_stmt *stmt;

  if (!zv_json_get_int (chat, "id", &id, error) ||
      (type = zv_json_get_string (chat, "type", error)) == NULL ||
      (title = zv_json_get_string (chat, "title", error)) == NULL ||
      !zv_json_get_int_or_null (chat, "last_message_id", 0, &last_message_id, error) ||
      !zv_json_get_int_or_null (chat, "read_up_to", 0, &read_up_to, error) ||
      !zv_json_get_int_or_null (chat, "unread_count", 0, &unread, error) ||
      !zv_json_get_time (chat, "created_at", TRUE, &created_at, error) ||
      !zv_json_get_bool (chat, "limited", FALSE, &limited, error) ||
      !zv_json_get_bool (chat, "muted", FALSE, &muted, error) ||
      !zv_json_get_bool (chat, "pinned", FALSE, &pinned, error) ||
      !zv_json_get_bool (chat, "external", FALSE, &external, error) ||
      (members = zv_json_get_array (chat, "members", TRUE, error)) == NULL)
    return FALSE;

  stmt = zv_db_prepare (db,
                        "INSERT INTO chats (id, type, title, limited, last_message_id, last_activity, read_up_to, unread, "
                        "muted, pinned, external) "
                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) "
                        "ON CONFLICT (id) DO UPDATE SET type = excluded.type, title = excluded.title, "
                        "limited = max(limited, excluded.limited), "
                        "last_message_id = max(ifnull(last_message_id, 0), excluded.last_message_id), "
                        "last_activity = max(last_activity, excluded.last_activity), "
                        "read_up_to = excluded.read_up_to, unread = excluded.unread, "
                        "muted = excluded.muted, pinned = excluded.pinned, external = excluded.external",
                        error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  sqlite3_bind_text (stmt, 2, type, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, title, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, 4, limited);
  sqlite3_bind_int64 (stmt, 5, last_message_id);
  sqlite3_bind_int64 (stmt, 6, created_at);
  sqlite3_bind_int64 (stmt, 7, read_up_to);
  sqlite3_bind_int64 (stmt, 8, unread);
  sqlite3_bind_int (stmt, 9, muted);
  sqlite3_bind_int (stmt, 10, pinned);
  sqlite3_bind_int (stmt, 11, external);
  if (!step (db, stmt, error))
    return FALSE;

  stmt = zv_db_prepare (db, "DELETE FROM members WHERE chat_id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  if (!step (db, stmt, error))
    return FALSE;
  for (guint i = 0; i < json_array_get_length (members); i++)
    {
      gint64 user_id;

      if (!zv_json_array_get_int (members, i, "members", &user_id, error))
        return FALSE;
      stmt = zv_db_prepare (db, "INSERT OR IGNORE INTO members (chat_id, user_id) VALUES (?1, ?2)", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, id);
      sqlite3_bind_int64 (stmt, 2, user_id);
      if (!step (db, stmt, error))
        return FALSE;
    }

  changes->flags |= ZV_STORE_CHANGED_CHATS;
  return TRUE;
}

/**
 * zv_sync_apply_chat_settings:
 * @settings: `{"chat_id": ID, "muted": BOOL, "pinned": BOOL}`; a missing flag keeps its value
 * @known: (out): whether the cache holds that chat (FALSE: nothing was written)
 *
 * Writes the user's own settings of one chat, as a chat.settings event carries them (and as the UI
 * applies a change before the server confirms it).
 */
gboolean
zv_sync_apply_chat_settings (ZvDb            *db,
                             JsonObject      *settings,
                             ZvStoreChanges  *changes,
                             gboolean        *known,
                             GError         **error)
{
  gint64 chat_id;
  gboolean muted = FALSE, pinned = FALSE;
  gboolean has_muted = json_object_has_member (settings, "muted");
  gboolean has_pinned = json_object_has_member (settings, "pinned");
  sqlite3_stmt *stmt;

  *known = FALSE;
  if (!zv_json_get_int (settings, "chat_id", &chat_id, error) ||
      !zv_json_get_bool (settings, "muted", FALSE, &muted, error) ||
      !zv_json_get_bool (settings, "pinned", FALSE, &pinned, error))
    return FALSE;
  /* ?3/?5 say whether to take the new value; an absent flag leaves the column alone. */
  stmt = zv_db_prepare (db,
                        "UPDATE chats SET muted = CASE WHEN ?3 THEN ?2 ELSE muted END, "
                        "pinned = CASE WHEN ?5 THEN ?4 ELSE pinned END WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, chat_id);
  sqlite3_bind_int (stmt, 2, muted);
  sqlite3_bind_int (stmt, 3, has_muted);
  sqlite3_bind_int (stmt, 4, pinned);
  sqlite3_bind_int (stmt, 5, has_pinned);
  if (!step (db, stmt, error))
    return FALSE;
  *known = sqlite3_changes (zv_db_handle (db)) > 0;
  if (*known)
    changes->flags |= ZV_STORE_CHANGED_CHATS;
  return TRUE;
}

static gboolean
apply_read_marker (ZvDb            *db,
                   gint64           me,
                   JsonObject      *marker,
                   ZvStoreChanges  *changes,
                   GError         **error)
{
  gint64 chat_id, user_id, message_id;
  sqlite3_stmt *stmt;

  if (!zv_json_get_int (marker, "chat_id", &chat_id, error) ||
      !zv_json_get_int (marker, "user_id", &user_id, error) ||
      !zv_json_get_int (marker, "message_id", &message_id, error))
    return FALSE;
  if (user_id != me)
    {
      /* Another member read up to here: one's own messages at or before it show as read. Markers
       * only move forward; one for a chat this cache does not hold is of no use. */
      stmt = zv_db_prepare (db,
                            "INSERT INTO read_markers (chat_id, user_id, message_id) "
                            "SELECT ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM chats WHERE id = ?1) "
                            "ON CONFLICT (chat_id, user_id) DO UPDATE SET message_id = excluded.message_id "
                            "WHERE excluded.message_id > read_markers.message_id", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, chat_id);
      sqlite3_bind_int64 (stmt, 2, user_id);
      sqlite3_bind_int64 (stmt, 3, message_id);
      if (!step (db, stmt, error))
        return FALSE;
      if (sqlite3_changes (zv_db_handle (db)) > 0)
        {
          changes->flags |= ZV_STORE_CHANGED_MESSAGES;
          zv_store_changes_add_chat (changes, chat_id);
        }
      return TRUE;
    }

  /* Read on another device: what is left unread is what we hold above the marker from others. */
  stmt = zv_db_prepare (db,
                        "UPDATE chats SET read_up_to = max(read_up_to, ?2), "
                        "unread = (SELECT count(*) FROM messages m WHERE m.chat_id = ?1 "
                        "AND m.id > max(chats.read_up_to, ?2) AND m.sender_id != ?3 AND m.deleted = 0) "
                        "WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, chat_id);
  sqlite3_bind_int64 (stmt, 2, message_id);
  sqlite3_bind_int64 (stmt, 3, me);
  if (!step (db, stmt, error))
    return FALSE;
  changes->flags |= ZV_STORE_CHANGED_CHATS;
  return TRUE;
}

/**
 * zv_sync_apply_page:
 *
 * Applies one /sync answer and stores its "next" token. Runs inside the caller's transaction.
 */
gboolean
zv_sync_apply_page (ZvDb            *db,
                    gint64           me,
                    JsonObject      *page,
                    ZvStoreChanges  *changes,
                    ZvSyncStats     *stats,
                    GError         **error)
{
  JsonArray *chats, *messages, *markers, *removed;
  const char *next;

  if ((next = zv_json_get_string (page, "next", error)) == NULL ||
      (chats = zv_json_get_array (page, "chats", TRUE, error)) == NULL ||
      (messages = zv_json_get_array (page, "messages", TRUE, error)) == NULL)
    return FALSE;
  markers = zv_json_get_array (page, "read_markers", FALSE, error);
  removed = zv_json_get_array (page, "removed_chats", FALSE, error);
  if ((markers == NULL && json_object_has_member (page, "read_markers")) ||
      (removed == NULL && json_object_has_member (page, "removed_chats")))
    return FALSE;

  g_autoptr(GHashTable) whole_chats = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);

  for (guint i = 0; i < json_array_get_length (chats); i++)
    {
      JsonObject *chat = zv_json_array_get_object (chats, i, "chats", error);
      gint64 chat_id = 0;

      if (chat == NULL || !apply_chat (db, chat, changes, error))
        return FALSE;
      zv_json_get_int (chat, "id", &chat_id, NULL);
      g_hash_table_add (whole_chats, g_memdup2 (&chat_id, sizeof chat_id));
    }
  for (guint i = 0; i < json_array_get_length (messages); i++)
    {
      JsonObject *message = zv_json_array_get_object (messages, i, "messages", error);
      gint64 chat_id = 0;

      if (message == NULL)
        return FALSE;
      zv_json_get_int (message, "chat_id", &chat_id, NULL);
      if (!apply_message (db, me, message, !g_hash_table_contains (whole_chats, &chat_id), changes, error))
        return FALSE;
    }
  for (guint i = 0; markers != NULL && i < json_array_get_length (markers); i++)
    {
      JsonObject *marker = zv_json_array_get_object (markers, i, "read_markers", error);

      if (marker == NULL || !apply_read_marker (db, me, marker, changes, error))
        return FALSE;
    }
  for (guint i = 0; removed != NULL && i < json_array_get_length (removed); i++)
    {
      gint64 chat_id;

      /* Leaving a chat removes its history from this device (messages cascade). */
      if (!zv_json_array_get_int (removed, i, "removed_chats", &chat_id, error) ||
          !delete_by_id (db, "DELETE FROM chats WHERE id = ?1", chat_id, error))
        return FALSE;
      changes->flags |= ZV_STORE_CHANGED_CHATS;
      if (stats != NULL)
        stats->removed_chats++;
    }

  if (stats != NULL)
    {
      stats->pages++;
      stats->chats += json_array_get_length (chats);
      stats->messages += json_array_get_length (messages);
    }
  changes->flags |= ZV_STORE_CHANGED_META;
  return zv_store_set_meta (db, "sync_token", next, error);
}

static gboolean
apply_user (ZvDb        *db,
            JsonObject  *user,
            GError     **error)
{
  gint64 id;
  const char *login, *name, *title = "", *department = "", *presence = "offline";
  const char *email = "", *extension = "", *mobile = "", *company = "";
  gboolean external = FALSE;
  JsonObject *phones = NULL;
  JsonArray *emails;
  g_autofree char *sort_name = NULL;
  sqlite3_stmt *stmt;

  if (!zv_json_get_int (user, "id", &id, error) ||
      (login = zv_json_get_string (user, "login", error)) == NULL ||
      (name = zv_json_get_string (user, "name", error)) == NULL ||
      !zv_json_get_bool (user, "external", FALSE, &external, error))
    return FALSE;
  if ((json_object_has_member (user, "title") && (title = zv_json_get_string (user, "title", error)) == NULL) ||
      (json_object_has_member (user, "department") && (department = zv_json_get_string (user, "department", error)) == NULL) ||
      (json_object_has_member (user, "presence") && (presence = zv_json_get_string (user, "presence", error)) == NULL))
    return FALSE;
  emails = zv_json_get_array (user, "emails", FALSE, error);
  if (emails == NULL && json_object_has_member (user, "emails"))
    return FALSE;
  if (emails != NULL && json_array_get_length (emails) > 0)
    {
      JsonNode *first = json_array_get_element (emails, 0);

      if (JSON_NODE_HOLDS_VALUE (first) && json_node_get_value_type (first) == G_TYPE_STRING)
        email = json_node_get_string (first);
    }
  if (json_object_has_member (user, "phones"))
    {
      JsonArray *numbers;

      if ((phones = zv_json_get_object (user, "phones", error)) == NULL)
        return FALSE;
      if ((json_object_has_member (phones, "extension") && (extension = zv_json_get_string (phones, "extension", error)) == NULL) ||
          (json_object_has_member (phones, "mobile") && (mobile = zv_json_get_string (phones, "mobile", error)) == NULL))
        return FALSE;
      numbers = zv_json_get_array (phones, "company", FALSE, error);
      if (numbers != NULL && json_array_get_length (numbers) > 0)
        {
          JsonNode *first = json_array_get_element (numbers, 0);

          if (JSON_NODE_HOLDS_VALUE (first) && json_node_get_value_type (first) == G_TYPE_STRING)
            company = json_node_get_string (first);
        }
    }

  sort_name = g_utf8_casefold (name, -1);
  stmt = zv_db_prepare (db,
                        "INSERT INTO users (id, login, name, title, department, email, extension, mobile, "
                        "company_phone, external, presence, sort_name) "
                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) "
                        "ON CONFLICT (id) DO UPDATE SET login = excluded.login, name = excluded.name, "
                        "title = excluded.title, department = excluded.department, email = excluded.email, "
                        "extension = excluded.extension, mobile = excluded.mobile, "
                        "company_phone = excluded.company_phone, external = excluded.external, "
                        "presence = excluded.presence, sort_name = excluded.sort_name",
                        error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  sqlite3_bind_text (stmt, 2, login, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 4, title, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 5, department, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 6, email, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 7, extension, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 8, mobile, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 9, company, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, 10, external);
  sqlite3_bind_text (stmt, 11, presence, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 12, sort_name, -1, SQLITE_TRANSIENT);
  return step (db, stmt, error);
}

typedef struct {
  JsonNode    *page;
  gint64       me;
  ZvSyncStats *stats;
} PageWrite;

static void
page_write_free (PageWrite *write)
{
  json_node_unref (write->page);
  g_free (write);
}

static gboolean
write_sync_page (ZvDb            *db,
                 gpointer         data,
                 ZvStoreChanges  *changes,
                 GError         **error)
{
  PageWrite *write = data;

  return zv_sync_apply_page (db, write->me, json_node_get_object (write->page), changes, write->stats, error);
}

static gboolean
write_directory_page (ZvDb            *db,
                      gpointer         data,
                      ZvStoreChanges  *changes,
                      GError         **error)
{
  PageWrite *write = data;
  JsonObject *page = json_node_get_object (write->page);
  JsonArray *entries, *deleted;
  const char *next;

  if ((next = zv_json_get_string (page, "next_cursor", error)) == NULL ||
      (entries = zv_json_get_array (page, "entries", TRUE, error)) == NULL)
    return FALSE;
  deleted = zv_json_get_array (page, "deleted", FALSE, error);
  if (deleted == NULL && json_object_has_member (page, "deleted"))
    return FALSE;

  for (guint i = 0; i < json_array_get_length (entries); i++)
    {
      JsonObject *user = zv_json_array_get_object (entries, i, "entries", error);

      if (user == NULL || !apply_user (db, user, error))
        return FALSE;
    }
  for (guint i = 0; deleted != NULL && i < json_array_get_length (deleted); i++)
    {
      gint64 user_id;

      if (!zv_json_array_get_int (deleted, i, "deleted", &user_id, error) ||
          !delete_by_id (db, "DELETE FROM users WHERE id = ?1", user_id, error))
        return FALSE;
    }

  write->stats->contacts += json_array_get_length (entries);
  changes->flags |= ZV_STORE_CHANGED_USERS | ZV_STORE_CHANGED_META;
  return zv_store_set_meta (db, "directory_cursor", next, error);
}

/* ---- the run ------------------------------------------------------------------------------------ */

typedef enum {
  STAGE_SYNC,
  STAGE_DIRECTORY,
} Stage;

/* One run keeps at most one request and MAX_WRITES_AHEAD page writes in flight: page N+1 is fetched
 * (with the token page N announced) while the writer thread applies page N, so the network and the
 * disk work at the same time. A failed write ends the run; the token in meta is then still the last
 * one written, so nothing is skipped. */
#define MAX_WRITES_AHEAD 2

typedef struct {
  Stage     stage;
  guint     attempts;          /* failed tries of the current request */
  char     *next_token;        /* what the next request asks from; NULL: the stored token */
  gboolean  request_in_flight;
  guint     writes_in_flight;
  gboolean  waiting;           /* a request is due once a write finishes */
  gboolean  last_received;     /* this stage's last page (more: false) arrived */
  gboolean  returned;
} Run;

static void
run_free (Run *run)
{
  g_free (run->next_token);
  g_free (run);
}

static void request_page (GTask *task);
static void start_stage (GTask *task);

static void
run_fail (GTask  *task,
          GError *error)
{
  Run *run = g_task_get_task_data (task);

  if (run->returned)
    {
      g_error_free (error);
      return;
    }
  run->returned = TRUE;
  g_task_return_error (task, error);
}

static void
maybe_finish_stage (GTask *task)
{
  Run *run = g_task_get_task_data (task);

  if (run->returned || !run->last_received || run->writes_in_flight > 0 || run->request_in_flight)
    return;
  if (run->stage == STAGE_DIRECTORY)
    {
      run->returned = TRUE;
      g_task_return_boolean (task, TRUE);
      return;
    }
  run->stage = STAGE_DIRECTORY;
  start_stage (task);
}

static void
page_written_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ZvSync *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  run->writes_in_flight--;
  if (!zv_store_write_finish (ZV_STORE (object), result, &error))
    {
      run_fail (task, g_steal_pointer (&error));
      return;
    }
  if (run->returned)
    return;
  g_signal_emit (self, signals[PROGRESS], 0);

  if (run->waiting && !run->request_in_flight)
    {
      run->waiting = FALSE;
      request_page (task);
    }
  maybe_finish_stage (task);
}

static void
retry_page (gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  Run *run = g_task_get_task_data (task);

  if (!run->returned)
    request_page (task);
}

static void
page_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ZvSync *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) page = zv_account_call_finish (ZV_ACCOUNT (object), result, &error);
  ZvStore *store = zv_account_get_store (self->account);
  GCancellable *cancellable = g_task_get_cancellable (task);
  const char *next;
  gboolean more = FALSE;
  PageWrite *write;

  run->request_in_flight = FALSE;
  if (run->returned)
    return;

  if (page == NULL)
    {
      /* A dropped connection, a 5xx, a garbled page: try the same page again a little later. */
      if (zv_api_error_is_transient (error) && ++run->attempts < MAX_ATTEMPTS &&
          !g_cancellable_is_cancelled (cancellable))
        {
          guint delay = (RETRY_BASE_MS << (run->attempts - 1)) + g_random_int_range (0, RETRY_BASE_MS);

          g_debug ("sync page failed (%s); retrying in %u ms", error->message, delay);
          run->request_in_flight = TRUE;   /* the retry is this stage's request */
          g_timeout_add_once (delay, retry_page, g_object_ref (task));
          return;
        }
      run_fail (task, g_steal_pointer (&error));
      return;
    }
  run->attempts = 0;
  if (!JSON_NODE_HOLDS_OBJECT (page) ||
      !zv_json_get_bool (json_node_get_object (page), "more", FALSE, &more, &error) ||
      (next = zv_json_get_string (json_node_get_object (page),
                                  run->stage == STAGE_SYNC ? "next" : "next_cursor", &error)) == NULL)
    {
      if (error == NULL)
        g_set_error_literal (&error, ZV_API_ERROR, ZV_API_ERROR_INVALID_RESPONSE,
                             _("The server's answer is not a JSON object"));
      run_fail (task, g_steal_pointer (&error));
      return;
    }
  if (store == NULL)
    {
      run_fail (task, g_error_new_literal (ZV_API_ERROR, ZV_API_ERROR_UNAUTHORIZED,
                                           _("No account is signed in on this device")));
      return;
    }

  g_free (run->next_token);
  run->next_token = g_strdup (next);

  write = g_new0 (PageWrite, 1);
  write->page = g_steal_pointer (&page);
  write->me = zv_account_get_user_id (self->account);
  write->stats = &self->stats;
  run->writes_in_flight++;
  zv_store_write_async (store, run->stage == STAGE_SYNC ? write_sync_page : write_directory_page,
                        write, (GDestroyNotify) page_write_free, cancellable,
                        page_written_cb, g_object_ref (task));

  if (!more)
    {
      run->last_received = TRUE;
      maybe_finish_stage (task);
    }
  else if (run->writes_in_flight < MAX_WRITES_AHEAD)
    request_page (task);
  else
    run->waiting = TRUE;
}

static void
request_page (GTask *task)
{
  ZvSync *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  const char *token = run->next_token;
  g_autofree char *path = NULL;
  g_autofree char *escaped = token != NULL ? g_uri_escape_string (token, NULL, FALSE) : NULL;

  if (run->stage == STAGE_SYNC)
    path = escaped != NULL ? g_strdup_printf ("/sync?since=%s&limit=%d", escaped, SYNC_PAGE_LIMIT)
                           : g_strdup_printf ("/sync?limit=%d", SYNC_PAGE_LIMIT);
  else
    path = escaped != NULL ? g_strdup_printf ("/directory?cursor=%s&limit=%d", escaped, DIRECTORY_PAGE_LIMIT)
                           : g_strdup_printf ("/directory?limit=%d", DIRECTORY_PAGE_LIMIT);

  run->request_in_flight = TRUE;
  zv_account_call_async (self->account, "GET", path, NULL, cancellable, page_cb, g_object_ref (task));
}

/* Begins a stage from the token stored by the last run (every write of the previous stage is done). */
static void
start_stage (GTask *task)
{
  ZvSync *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  ZvStore *store = zv_account_get_store (self->account);

  if (store == NULL)
    {
      run_fail (task, g_error_new_literal (ZV_API_ERROR, ZV_API_ERROR_UNAUTHORIZED,
                                           _("No account is signed in on this device")));
      return;
    }
  run->attempts = 0;
  run->waiting = FALSE;
  run->last_received = FALSE;
  g_free (run->next_token);
  run->next_token = zv_store_get_meta (store, run->stage == STAGE_SYNC ? "sync_token" : "directory_cursor");
  request_page (task);
}

/**
 * zv_sync_run_async:
 *
 * Syncs until caught up: /sync pages from the stored token (or the initial sync), then the
 * directory delta. ::progress is emitted after every page written.
 */
void
zv_sync_run_async (ZvSync              *self,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, zv_sync_run_async);
  g_task_set_task_data (task, g_new0 (Run, 1), (GDestroyNotify) run_free);
  memset (&self->stats, 0, sizeof self->stats);
  start_stage (task);
}

gboolean
zv_sync_run_finish (ZvSync        *self,
                    GAsyncResult  *result,
                    GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

const ZvSyncStats *
zv_sync_get_stats (ZvSync *self)
{
  return &self->stats;
}

ZvSync *
zv_sync_new (ZvAccount *account)
{
  ZvSync *self = g_object_new (ZV_TYPE_SYNC, NULL);

  self->account = g_object_ref (account);
  return self;
}

static void
zv_sync_dispose (GObject *object)
{
  ZvSync *self = ZV_SYNC (object);

  g_clear_object (&self->account);

  G_OBJECT_CLASS (zv_sync_parent_class)->dispose (object);
}

static void
zv_sync_class_init (ZvSyncClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = zv_sync_dispose;

  /**
   * ZvSync::progress:
   *
   * A page was written; zv_sync_get_stats() tells how far the run got (for progress bars).
   */
  signals[PROGRESS] = g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                    0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
zv_sync_init (ZvSync *self)
{
}
