/* zv-session.c: ZvSession, the account as the app lives with it.
 *
 * The session reads the cache on a worker (zv_account_load opens SQLite, which may take a while on
 * a large cache and must never stall the first frame), restores the tokens, and then keeps the
 * account going: the first sync of a fresh cache with progress, the event stream (which syncs by
 * itself whenever the stream alone cannot catch up), and the outbox, flushed whenever the stream
 * (re)connects. Its state property is what the window shows: sign-in, progress, chats, offline, or
 * the deactivated page.
 */
#define G_LOG_DOMAIN "zveno"

#include "config.h"

#include <glib/gi18n.h>

#include "zv-chat-list.h"
#include "zv-error.h"
#include "zv-notifier.h"
#include "zv-phone-ui.h"
#include "zv-session.h"

/* Outbox rows (pending and failed copies) have ids from 2^52 up; only server ids can be read. */
#define FIRST_LOCAL_MESSAGE_ID (G_GINT64_CONSTANT (1) << 52)

struct _ZvSession
{
  GObject         parent_instance;

  /* owned */
  ZvProfile      *profile;
  ZvAccount      *account;
  ZvOutbox       *outbox;
  ZvEvents       *events;
  ZvSync         *sync;          /* the first sync only; the stream runs its own afterwards */
  ZvNotifier     *notifier;      /* lives as long as the event stream it listens to */
  GObject        *phone;         /* likewise: it follows call.updated and reconnections. A ZvPhone,
                                  * from the phone's module (zv-phone-ui.h): NULL until it is loaded */
  ZvChatList     *chat_list;
  GCancellable   *cancellable;
  char           *deactivation_reason;
  GHashTable     *read_sent;     /* chat id (gint64*) -> newest message id a read was sent for */

  ZvSessionState  state;
  gboolean        flushing;
  gboolean        flush_again;
};

G_DEFINE_FINAL_TYPE (ZvSession, zv_session, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (ZvSessionState, zv_session_state,
                    G_DEFINE_ENUM_VALUE (ZV_SESSION_STATE_LOADING, "loading"),
                    G_DEFINE_ENUM_VALUE (ZV_SESSION_STATE_SIGNED_OUT, "signed-out"),
                    G_DEFINE_ENUM_VALUE (ZV_SESSION_STATE_SIGNING_IN, "signing-in"),
                    G_DEFINE_ENUM_VALUE (ZV_SESSION_STATE_SYNCING, "syncing"),
                    G_DEFINE_ENUM_VALUE (ZV_SESSION_STATE_READY, "ready"),
                    G_DEFINE_ENUM_VALUE (ZV_SESSION_STATE_OFFLINE, "offline"),
                    G_DEFINE_ENUM_VALUE (ZV_SESSION_STATE_DEACTIVATED, "deactivated"))

enum {
  PROP_0,
  PROP_STATE,
  PROP_CHAT_LIST,
  PROP_NOTIFIER,
  PROP_PHONE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SYNC_PROGRESS,
  ERROR,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void start_account (ZvSession *self);

static void
set_state (ZvSession      *self,
           ZvSessionState  state)
{
  if (self->state == state)
    return;
  g_debug ("session: state %d -> %d", self->state, state);
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
report_error (ZvSession    *self,
              const GError *error)
{
  g_signal_emit (self, signals[ERROR], 0, error);
}

/* ---- the account's objects ------------------------------------------------------------------- */

static void
stop_account (ZvSession *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  if (self->events != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->events, self);
      zv_events_stop (self->events);
    }
  if (self->notifier != NULL)
    {
      g_clear_object (&self->notifier);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NOTIFIER]);
    }
  if (self->phone != NULL)
    {
      /* Hangs up and unregisters: a signed-out computer must not ring for this account. */
      zv_phone_ui_peek ()->phone_stop (self->phone);
      g_clear_object (&self->phone);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PHONE]);
    }
  g_clear_object (&self->events);
  g_clear_object (&self->sync);
  g_clear_object (&self->outbox);
  if (self->chat_list != NULL)
    {
      g_clear_object (&self->chat_list);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHAT_LIST]);
    }
  self->flushing = FALSE;
  self->flush_again = FALSE;
  g_hash_table_remove_all (self->read_sent);
}

static void
flush_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(ZvSession) self = user_data;
  g_autoptr(GError) error = NULL;
  guint delivered = 0;

  /* A transient failure is the offline state, which the banner already shows; the outbox keeps
   * the messages and the next connection flushes them. */
  if (!zv_outbox_flush_finish (ZV_OUTBOX (object), result, &delivered, &error))
    g_debug ("session: outbox flush stopped: %s", error->message);
  else
    g_debug ("session: outbox delivered %u", delivered);

  self->flushing = FALSE;
  if (self->flush_again && ZV_OUTBOX (object) == self->outbox)
    {
      self->flush_again = FALSE;
      zv_session_flush_outbox (self);
    }
}

void
zv_session_flush_outbox (ZvSession *self)
{
  g_return_if_fail (ZV_IS_SESSION (self));

  if (self->outbox == NULL)
    return;
  /* One flush at a time keeps delivery in order; a message queued meanwhile waits for the next. */
  if (self->flushing)
    {
      self->flush_again = TRUE;
      return;
    }
  self->flushing = TRUE;
  zv_outbox_flush_async (self->outbox, self->cancellable, flush_cb, g_object_ref (self));
}

static void
events_state_cb (ZvSession *self)
{
  ZvEventsState state = zv_events_get_state (self->events);

  if (self->state != ZV_SESSION_STATE_READY && self->state != ZV_SESSION_STATE_OFFLINE)
    return;

  if (state == ZV_EVENTS_STATE_CONNECTED)
    {
      set_state (self, ZV_SESSION_STATE_READY);
      /* Back online: whatever was typed meanwhile goes out now, in order. */
      zv_session_flush_outbox (self);
    }
  else if (state == ZV_EVENTS_STATE_BACKING_OFF)
    set_state (self, ZV_SESSION_STATE_OFFLINE);
}

/* The phone needs its module, which the window loads after its first frame: a session signed in
 * before that makes it in zv_session_start_phone(), called once the module is there. */
static void
start_phone (ZvSession *self)
{
  const ZvPhoneUi *ui = zv_phone_ui_peek ();

  if (ui == NULL || self->phone != NULL || self->events == NULL)
    return;
  self->phone = ui->phone_new (self->account, self->events);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PHONE]);
  ui->phone_start (self->phone);
}

/**
 * zv_session_start_phone:
 *
 * Makes and starts the phone (the SIP registration) if someone is signed in and has none yet;
 * called when the phone's module has been loaded (zv-phone-ui.h).
 */
void
zv_session_start_phone (ZvSession *self)
{
  g_return_if_fail (ZV_IS_SESSION (self));
  start_phone (self);
}

static void
start_events (ZvSession *self)
{
  self->events = zv_events_new (self->account);
  g_signal_connect_object (self->events, "notify::state", G_CALLBACK (events_state_cb), self,
                           G_CONNECT_SWAPPED);
  /* The notifier hears "just sent" from the stream, so it comes and goes with it. */
  self->notifier = zv_notifier_new (self->account, self->events);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NOTIFIER]);
  start_phone (self);
  zv_events_start (self->events);
  zv_session_flush_outbox (self);
}

static void
first_sync_progress_cb (ZvSession *self)
{
  g_signal_emit (self, signals[SYNC_PROGRESS], 0);
}

static void
first_sync_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(ZvSession) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!zv_sync_run_finish (ZV_SYNC (object), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || ZV_SYNC (object) != self->sync)
        return;
      /* The stream retries and syncs once the server is back; until then the chats show what
       * the cache holds. */
      report_error (self, error);
      set_state (self, ZV_SESSION_STATE_OFFLINE);
    }
  else
    set_state (self, ZV_SESSION_STATE_READY);

  start_events (self);
}

/* The chat list over the account's cache: @chats when the cache read at start made it already
 * (load_thread(); shown before the tokens are back from the keyring), else read here. */
static void
show_chats (ZvSession  *self,
            ZvChatList *chats)
{
  ZvStore *store = zv_account_get_store (self->account);

  g_assert (store != NULL);

  if (self->chat_list != NULL)
    return;
  self->chat_list = chats != NULL ? g_object_ref (chats)
                                  : zv_chat_list_new (store, zv_account_get_user_id (self->account));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHAT_LIST]);
}

static void
signed_in (ZvSession *self)
{
  ZvStore *store = zv_account_get_store (self->account);
  g_autofree char *token = NULL;

  g_assert (store != NULL);

  self->outbox = zv_outbox_new (self->account);
  show_chats (self, NULL);

  token = zv_store_get_meta (store, "sync_token");
  if (token == NULL)
    {
      /* A fresh cache: sync here, where the progress can be shown, before the stream starts. */
      set_state (self, ZV_SESSION_STATE_SYNCING);
      self->sync = zv_sync_new (self->account);
      g_signal_connect_object (self->sync, "progress", G_CALLBACK (first_sync_progress_cb), self,
                               G_CONNECT_SWAPPED);
      zv_sync_run_async (self->sync, self->cancellable, first_sync_cb, g_object_ref (self));
      return;
    }

  /* A cache that synced before shows at once; the stream brings it up to date. */
  set_state (self, ZV_SESSION_STATE_READY);
  start_events (self);
}

static void
deactivated_cb (ZvSession  *self,
                const char *reason)
{
  stop_account (self);
  g_free (self->deactivation_reason);
  self->deactivation_reason = g_strdup (reason);
  set_state (self, ZV_SESSION_STATE_DEACTIVATED);
}

static void
signed_out_cb (ZvSession *self)
{
  stop_account (self);
  /* The cache (drafts, outbox) stays; a fresh account object lets the user sign in again on it. */
  start_account (self);
  set_state (self, ZV_SESSION_STATE_SIGNED_OUT);
}

/* ---- start: load the cache on a worker, then restore the tokens -------------------------------- */

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  ZvAccount *account = task_data;
  g_autoptr(GError) error = NULL;
  ZvStore *store;
  ZvChatList *chats = NULL;

  /* zv_account_load opens the store here; ZvStore then emits ::changed on the global default
   * context (no context is pushed on this thread), that is on the main thread. */
  if (!zv_account_load (account, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  /* The chat list is read here too, off the main thread (every cached chat with its last
   * message: ~10 ms over a 100,000-message cache), while the window is being built. Nothing else
   * uses the new store yet. */
  store = zv_account_get_store (account);
  if (store != NULL && zv_account_get_login (account) != NULL)
    chats = zv_chat_list_new (store, zv_account_get_user_id (account));
  g_task_return_pointer (task, chats, chats != NULL ? g_object_unref : NULL);
}

static void
restore_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(ZvSession) self = user_data;
  g_autoptr(GError) error = NULL;

  if (ZV_ACCOUNT (object) != self->account)
    return;
  if (!zv_account_restore_finish (self->account, result, &error))
    {
      g_debug ("session: cannot restore the tokens: %s", error->message);
      /* No tokens (a keyring that was reset): sign in again on the same cache. The chats shown
       * meanwhile go until then. */
      stop_account (self);
      start_account (self);
      set_state (self, ZV_SESSION_STATE_SIGNED_OUT);
      return;
    }
  signed_in (self);
}

static void
load_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  ZvSession *self = ZV_SESSION (object);
  g_autoptr(GError) error = NULL;
  ZvAccount *account = g_task_get_task_data (G_TASK (result));
  g_autoptr(ZvChatList) chats = NULL;

  if (account != self->account)
    return;
  chats = g_task_propagate_pointer (G_TASK (result), &error);
  if (error != NULL)
    {
      report_error (self, error);
      set_state (self, ZV_SESSION_STATE_SIGNED_OUT);
      return;
    }
  if (zv_account_get_store (account) == NULL || zv_account_get_login (account) == NULL)
    {
      set_state (self, ZV_SESSION_STATE_SIGNED_OUT);
      return;
    }
  /* The cached chats show at once, while the keyring is asked for the tokens (D-Bus round trips,
   * ~40-50 ms at start): reading them needs neither. The state stays "loading" until then. */
  show_chats (self, chats);
  zv_account_restore_async (account, self->cancellable, restore_cb, g_object_ref (self));
}

static void
start_account (ZvSession *self)
{
  g_autoptr(ZvSecretStore) secrets = zv_secret_store_new_default ();
  const char *env_dir = g_getenv ("ZVENO_DATA_DIR");
  g_autofree char *data_dir = NULL;
  const char *ca_file;

  if (self->account != NULL)
    g_signal_handlers_disconnect_by_data (self->account, self);
  g_clear_object (&self->account);

  /* ZVENO_DATA_DIR lets tests and a second developer copy keep their own cache. */
  data_dir = env_dir != NULL && *env_dir != '\0' ? g_strdup (env_dir) : zv_account_default_data_dir ();
  self->account = zv_account_new (data_dir, secrets);
  ca_file = zv_profile_get_string (self->profile, "security.ca-file");
  if (ca_file != NULL && *ca_file != '\0')
    zv_account_set_ca_file (self->account, ca_file);
  g_signal_connect_object (self->account, "deactivated", G_CALLBACK (deactivated_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->account, "signed-out", G_CALLBACK (signed_out_cb), self, G_CONNECT_SWAPPED);
}

/**
 * zv_session_start:
 *
 * Reads the cache without blocking; the state then says whether someone is signed in.
 */
void
zv_session_start (ZvSession *self)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (ZV_IS_SESSION (self));
  g_return_if_fail (self->state == ZV_SESSION_STATE_LOADING);

  task = g_task_new (self, self->cancellable, load_cb, NULL);
  g_task_set_source_tag (task, zv_session_start);
  g_task_set_task_data (task, g_object_ref (self->account), g_object_unref);
  g_task_run_in_thread (task, load_thread);
}

/* ---- sign-in ------------------------------------------------------------------------------------ */

static void
login_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ZvSession *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;

  if (!zv_account_login_finish (ZV_ACCOUNT (object), result, &error))
    {
      if (ZV_ACCOUNT (object) == self->account)
        {
          /* A failed attempt may have half-set the account (server, login): start clean. */
          start_account (self);
          set_state (self, ZV_SESSION_STATE_SIGNED_OUT);
        }
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  signed_in (self);
  g_task_return_boolean (task, TRUE);
}

void
zv_session_sign_in_async (ZvSession           *self,
                          const char          *address,
                          const char          *login,
                          const char          *password,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (ZV_IS_SESSION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, zv_session_sign_in_async);
  if (self->state != ZV_SESSION_STATE_SIGNED_OUT)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_BUSY, _("Already signing in"));
      return;
    }
  set_state (self, ZV_SESSION_STATE_SIGNING_IN);
  zv_account_login_async (self->account, address, login, password, NULL, cancellable, login_cb,
                          g_steal_pointer (&task));
}

gboolean
zv_session_sign_in_finish (ZvSession     *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- sending and drafts -------------------------------------------------------------------------- */

static void
queued_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(ZvSession) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *client_id = zv_outbox_queue_finish (ZV_OUTBOX (object), result, &error);

  if (client_id == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        report_error (self, error);
      return;
    }
  zv_session_flush_outbox (self);
}

/**
 * zv_session_send:
 *
 * Queues @text in the outbox (the chat shows it as pending as soon as it is on disk) and delivers it
 * when the server can be reached. Failures reach the user through ::error.
 */
void
zv_session_send (ZvSession  *self,
                 gint64      chat_id,
                 const char *text,
                 gint64      reply_to)
{
  g_return_if_fail (ZV_IS_SESSION (self));
  g_return_if_fail (text != NULL);

  if (self->outbox == NULL)
    return;
  zv_outbox_queue_async (self->outbox, chat_id, text, reply_to, self->cancellable, queued_cb,
                         g_object_ref (self));
}

typedef struct {
  gint64  chat_id;
  char   *text;
} DraftData;

static void
draft_data_free (DraftData *data)
{
  g_free (data->text);
  g_free (data);
}

static gboolean
write_draft (ZvDb            *db,
             gpointer         user_data,
             ZvStoreChanges  *changes,
             GError         **error)
{
  DraftData *data = user_data;
  sqlite3_stmt *stmt;

  stmt = zv_db_prepare (db, "UPDATE chats SET draft = ?1 WHERE id = ?2 AND draft != ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, data->text, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, data->chat_id);
  if (!zv_db_step_done (db, stmt, error))
    return FALSE;
  if (sqlite3_changes (zv_db_handle (db)) > 0)
    changes->flags |= ZV_STORE_CHANGED_CHATS;
  return TRUE;
}

static void
draft_written_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(ZvSession) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!zv_store_write_finish (ZV_STORE (object), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    report_error (self, error);
}

void
zv_session_save_draft (ZvSession  *self,
                       gint64      chat_id,
                       const char *text)
{
  ZvStore *store;
  DraftData *data;

  g_return_if_fail (ZV_IS_SESSION (self));

  store = self->account != NULL ? zv_account_get_store (self->account) : NULL;
  if (store == NULL)
    return;
  data = g_new0 (DraftData, 1);
  data->chat_id = chat_id;
  data->text = g_strdup (text != NULL ? text : "");
  zv_store_write_async (store, write_draft, data, (GDestroyNotify) draft_data_free, NULL,
                        draft_written_cb, g_object_ref (self));
}

/* ---- read markers -------------------------------------------------------------------------------- */

typedef struct {
  ZvSession *self;
  gint64     chat_id;
  gint64     message_id;
  gint64     me;
} ReadData;

static void
read_data_free (ReadData *data)
{
  g_clear_object (&data->self);
  g_free (data);
}

static gboolean
write_read_marker (ZvDb            *db,
                   gpointer         user_data,
                   ZvStoreChanges  *changes,
                   GError         **error)
{
  ReadData *data = user_data;
  sqlite3_stmt *stmt;

  /* As the stream applies a marker from another device: what stays unread is what others sent
   * above it (a message that arrived while the request was on its way). */
  stmt = zv_db_prepare (db,
                        "UPDATE chats SET read_up_to = max(read_up_to, ?2), "
                        "unread = (SELECT count(*) FROM messages m WHERE m.chat_id = ?1 "
                        "AND m.id > max(chats.read_up_to, ?2) AND m.sender_id != ?3 AND m.deleted = 0) "
                        "WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, data->chat_id);
  sqlite3_bind_int64 (stmt, 2, data->message_id);
  sqlite3_bind_int64 (stmt, 3, data->me);
  if (!zv_db_step_done (db, stmt, error))
    return FALSE;
  if (sqlite3_changes (zv_db_handle (db)) > 0)
    changes->flags |= ZV_STORE_CHANGED_CHATS;
  return TRUE;
}

static void
read_written_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(ZvSession) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!zv_store_write_finish (ZV_STORE (object), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    report_error (self, error);
}

static void
read_posted_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  ReadData *data = user_data;
  ZvSession *self = data->self;
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(GError) error = NULL;
  ZvStore *store;

  answer = zv_account_call_finish (ZV_ACCOUNT (object), result, &error);
  if (answer == NULL)
    {
      /* Offline or cancelled: the marker is not on the server, so the chat stays unread here too
       * and the next look at it tries again. Nothing to tell the user about. */
      gint64 *sent = g_hash_table_lookup (self->read_sent, &data->chat_id);

      g_debug ("session: read marker for chat %" G_GINT64_FORMAT " not sent: %s", data->chat_id, error->message);
      if (sent != NULL && *sent == data->message_id)
        g_hash_table_remove (self->read_sent, &data->chat_id);
      read_data_free (data);
      return;
    }

  store = ZV_ACCOUNT (object) == self->account ? zv_account_get_store (self->account) : NULL;
  if (store == NULL)
    {
      read_data_free (data);
      return;
    }
  zv_store_write_async (store, write_read_marker, data, (GDestroyNotify) read_data_free, NULL,
                        read_written_cb, g_object_ref (self));
}

/**
 * zv_session_mark_read:
 *
 * Tells the server that everything in @chat_id up to its newest message was read (the person is
 * looking at it), and then the cache: the chat's unread count goes to zero. Does nothing when there
 * is nothing new to mark or the same marker is already on its way.
 */
void
zv_session_mark_read (ZvSession *self,
                      gint64     chat_id)
{
  ZvStore *store;
  sqlite3_stmt *stmt;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *path = NULL;
  gint64 read_up_to = 0, unread = 0, newest = 0;
  gint64 *sent;
  ReadData *data;

  g_return_if_fail (ZV_IS_SESSION (self));

  store = self->account != NULL ? zv_account_get_store (self->account) : NULL;
  if (store == NULL || chat_id <= 0 ||
      (self->state != ZV_SESSION_STATE_READY && self->state != ZV_SESSION_STATE_OFFLINE))
    return;

  /* Two indexed lookups on the (chat_id, id) index: cheap enough for the main thread. */
  stmt = zv_db_prepare (zv_store_get_reader (store),
                        "SELECT c.read_up_to, c.unread, "
                        "(SELECT max(m.id) FROM messages m WHERE m.chat_id = ?1 AND m.id < ?2) "
                        "FROM chats c WHERE c.id = ?1", &error);
  if (stmt == NULL)
    {
      g_warning ("Could not read the read marker of chat %" G_GINT64_FORMAT ": %s", chat_id, error->message);
      return;
    }
  sqlite3_bind_int64 (stmt, 1, chat_id);
  sqlite3_bind_int64 (stmt, 2, FIRST_LOCAL_MESSAGE_ID);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      read_up_to = sqlite3_column_int64 (stmt, 0);
      unread = sqlite3_column_int64 (stmt, 1);
      newest = sqlite3_column_int64 (stmt, 2);
    }
  sqlite3_reset (stmt);

  if (newest <= 0 || (newest <= read_up_to && unread == 0))
    return;
  sent = g_hash_table_lookup (self->read_sent, &chat_id);
  if (sent != NULL && *sent >= newest)
    return;
  g_hash_table_insert (self->read_sent, g_memdup2 (&chat_id, sizeof chat_id),
                       g_memdup2 (&newest, sizeof newest));

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "message_id");
  json_builder_add_int_value (builder, newest);
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);

  data = g_new0 (ReadData, 1);
  data->self = g_object_ref (self);
  data->chat_id = chat_id;
  data->message_id = newest;
  data->me = zv_account_get_user_id (self->account);
  path = g_strdup_printf ("/chats/%" G_GINT64_FORMAT "/read", chat_id);
  zv_account_call_async (self->account, "POST", path, body, self->cancellable, read_posted_cb, data);
}

/* ---- accessors ---------------------------------------------------------------------------------- */

ZvSessionState
zv_session_get_state (ZvSession *self)
{
  g_return_val_if_fail (ZV_IS_SESSION (self), ZV_SESSION_STATE_LOADING);
  return self->state;
}

ZvProfile *
zv_session_get_profile (ZvSession *self)
{
  g_return_val_if_fail (ZV_IS_SESSION (self), NULL);
  return self->profile;
}

ZvAccount *
zv_session_get_account (ZvSession *self)
{
  g_return_val_if_fail (ZV_IS_SESSION (self), NULL);
  return self->account;
}

ZvOutbox *
zv_session_get_outbox (ZvSession *self)
{
  g_return_val_if_fail (ZV_IS_SESSION (self), NULL);
  return self->outbox;
}

ZvEvents *
zv_session_get_events (ZvSession *self)
{
  g_return_val_if_fail (ZV_IS_SESSION (self), NULL);
  return self->events;
}

ZvNotifier *
zv_session_get_notifier (ZvSession *self)
{
  g_return_val_if_fail (ZV_IS_SESSION (self), NULL);
  return self->notifier;
}

/* A ZvPhone; NULL until the event stream runs and the phone's module is loaded. */
GObject *
zv_session_get_phone (ZvSession *self)
{
  g_return_val_if_fail (ZV_IS_SESSION (self), NULL);
  return self->phone;
}

ZvChatList *
zv_session_get_chat_list (ZvSession *self)
{
  g_return_val_if_fail (ZV_IS_SESSION (self), NULL);
  return self->chat_list;
}

const ZvSyncStats *
zv_session_get_sync_stats (ZvSession *self)
{
  g_return_val_if_fail (ZV_IS_SESSION (self), NULL);
  return self->sync != NULL ? zv_sync_get_stats (self->sync) : NULL;
}

const char *
zv_session_get_deactivation_reason (ZvSession *self)
{
  g_return_val_if_fail (ZV_IS_SESSION (self), NULL);
  return self->deactivation_reason;
}

/* ---- GObject ------------------------------------------------------------------------------------ */

static void
zv_session_dispose (GObject *object)
{
  ZvSession *self = ZV_SESSION (object);

  stop_account (self);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->account != NULL)
    g_signal_handlers_disconnect_by_data (self->account, self);
  g_clear_object (&self->account);
  g_clear_object (&self->profile);

  G_OBJECT_CLASS (zv_session_parent_class)->dispose (object);
}

static void
zv_session_finalize (GObject *object)
{
  ZvSession *self = ZV_SESSION (object);

  g_free (self->deactivation_reason);
  g_hash_table_unref (self->read_sent);

  G_OBJECT_CLASS (zv_session_parent_class)->finalize (object);
}

static void
zv_session_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  ZvSession *self = ZV_SESSION (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_CHAT_LIST:
      g_value_set_object (value, self->chat_list);
      break;
    case PROP_NOTIFIER:
      g_value_set_object (value, self->notifier);
      break;
    case PROP_PHONE:
      g_value_set_object (value, self->phone);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zv_session_class_init (ZvSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = zv_session_dispose;
  object_class->finalize = zv_session_finalize;
  object_class->get_property = zv_session_get_property;

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, ZV_TYPE_SESSION_STATE, ZV_SESSION_STATE_LOADING,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /* NULL until signed in. */
  properties[PROP_CHAT_LIST] =
    g_param_spec_object ("chat-list", NULL, NULL, ZV_TYPE_CHAT_LIST,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /* NULL until the event stream runs. */
  properties[PROP_NOTIFIER] =
    g_param_spec_object ("notifier", NULL, NULL, ZV_TYPE_NOTIFIER,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /* A ZvPhone (its type is in the phone's module); NULL until the event stream runs and the
   * module is loaded. */
  properties[PROP_PHONE] =
    g_param_spec_object ("phone", NULL, NULL, G_TYPE_OBJECT,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * ZvSession::sync-progress:
   *
   * A page of the first sync was written; zv_session_get_sync_stats() says how far it got.
   */
  signals[SYNC_PROGRESS] = g_signal_new ("sync-progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * ZvSession::error:
   *
   * Something the user asked for failed (or the cache cannot be read); the window shows it.
   */
  signals[ERROR] = g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                 0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
zv_session_init (ZvSession *self)
{
  g_auto(GStrv) dirs = zv_profile_system_dirs ();
  g_autofree char *user_settings = g_build_filename (g_get_user_config_dir (), "zveno", "settings.ini", NULL);

  self->cancellable = g_cancellable_new ();
  self->read_sent = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  self->state = ZV_SESSION_STATE_LOADING;

  /* IT presets: built-in defaults < system profiles < the user's own settings. */
  self->profile = zv_profile_new ();
  zv_profile_load_system (self->profile, (const char **) dirs);
  zv_profile_load_file (self->profile, user_settings, ZV_PROFILE_LAYER_USER);

  start_account (self);
}

ZvSession *
zv_session_new (void)
{
  return g_object_new (ZV_TYPE_SESSION, NULL);
}
