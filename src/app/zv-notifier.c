/* zv-notifier.c: ZvNotifier, what tells a person about new messages while they look elsewhere.
 *
 * It listens to ZvEvents::applied rather than to the store: only the live stream says "this was
 * just sent" (a sync that brings a week of history after a holiday must not raise a hundred
 * notifications), and ::applied comes after the message is in the cache, so the sender's name and
 * the chat's title are read from there. One notification per chat is kept and updated, so a
 * talkative chat does not stack up dozens; it is withdrawn when the chat is read. Muted chats: the
 * cache has no mute state yet, so every chat notifies. */
#define G_LOG_DOMAIN "zveno"

#include "config.h"

#include <glib/gi18n.h>
#include <libnotify/notify.h>

#include "zv-chat.h"
#include "zv-notifier.h"

struct _ZvNotifier
{
  GObject     parent_instance;

  /* owned */
  ZvAccount  *account;
  ZvEvents   *events;
  GSettings  *settings;
  GHashTable *shown;        /* chat id (gint64*) -> NotifyNotification */

  guint       unread_total;
  gboolean    window_focused;
  gboolean    do_not_disturb;
};

G_DEFINE_FINAL_TYPE (ZvNotifier, zv_notifier, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ACCOUNT,
  PROP_EVENTS,
  PROP_WINDOW_FOCUSED,
  PROP_DO_NOT_DISTURB,
  PROP_UNREAD_TOTAL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  OPEN_CHAT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static ZvDb *
reader (ZvNotifier *self)
{
  return zv_store_get_reader (zv_account_get_store (self->account));
}

static void
update_unread_total (ZvNotifier *self)
{
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt = zv_db_prepare (reader (self), "SELECT coalesce(sum(unread), 0) FROM chats", &error);
  guint total = 0;

  if (stmt == NULL)
    {
      g_warning ("Could not count unread messages: %s", error->message);
      return;
    }
  if (sqlite3_step (stmt) == SQLITE_ROW)
    total = (guint) CLAMP (sqlite3_column_int64 (stmt, 0), 0, G_MAXUINT);
  sqlite3_reset (stmt);

  if (total == self->unread_total)
    return;
  self->unread_total = total;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UNREAD_TOTAL]);
}

static guint
chat_unread (ZvNotifier *self,
             gint64      chat_id)
{
  sqlite3_stmt *stmt = zv_db_prepare (reader (self), "SELECT unread FROM chats WHERE id = ?1", NULL);
  guint unread = 0;

  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, chat_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    unread = (guint) MAX (sqlite3_column_int64 (stmt, 0), 0);
  sqlite3_reset (stmt);
  return unread;
}

static void
close_notification (NotifyNotification *n)
{
  g_autoptr(GError) error = NULL;

  /* Already gone on the server side is fine: nothing to tell anyone. */
  if (!notify_notification_close (n, &error))
    g_debug ("Could not withdraw a notification: %s", error->message);
}

/**
 * zv_notifier_withdraw_chat:
 *
 * Closes the notification of @chat_id, if one is shown (e.g. the chat was opened).
 */
void
zv_notifier_withdraw_chat (ZvNotifier *self,
                           gint64      chat_id)
{
  NotifyNotification *n;

  g_return_if_fail (ZV_IS_NOTIFIER (self));

  n = g_hash_table_lookup (self->shown, &chat_id);
  if (n == NULL)
    return;
  g_object_ref (n);
  g_hash_table_remove (self->shown, &chat_id);
  close_notification (n);
  g_object_unref (n);
}

static void
on_store_changed (ZvStore        *store,
                  ZvStoreChanges *changes,
                  ZvNotifier     *self)
{
  g_autoptr(GArray) read = NULL;
  GHashTableIter iter;
  gpointer key;

  if ((changes->flags & ZV_STORE_CHANGED_CHATS) == 0)
    return;
  update_unread_total (self);

  /* Read here or on another device: its notification has done its job. */
  read = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_hash_table_iter_init (&iter, self->shown);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (chat_unread (self, *(gint64 *) key) == 0)
      g_array_append_val (read, *(gint64 *) key);
  for (guint i = 0; i < read->len; i++)
    zv_notifier_withdraw_chat (self, g_array_index (read, gint64, i));
}

typedef struct {
  ZvNotifier *self;      /* weak */
  gint64      chat_id;
} ActionData;

static void
on_default_action (NotifyNotification *n,
                   char               *action,
                   gpointer            user_data)
{
  ActionData *data = user_data;

  if (data->self != NULL)
    g_signal_emit (data->self, signals[OPEN_CHAT], 0, data->chat_id);
}

static void
action_data_free (gpointer user_data)
{
  ActionData *data = user_data;

  g_clear_weak_pointer (&data->self);
  g_free (data);
}

static void
on_closed (NotifyNotification *n,
           ZvNotifier         *self)
{
  gint64 chat_id = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (n), "zv-chat-id"));
  NotifyNotification *current = g_hash_table_lookup (self->shown, &chat_id);

  if (current == n)
    g_hash_table_remove (self->shown, &chat_id);
}

/* What the notification says about a message without its text (previews off, or no text). */
static const char *
describe_without_text (JsonObject *message,
                       gboolean    preview)
{
  JsonNode *attachments = json_object_get_member (message, "attachments");

  if (!preview)
    return _("New message");
  if (attachments != NULL && JSON_NODE_HOLDS_ARRAY (attachments) &&
      json_array_get_length (json_node_get_array (attachments)) > 0)
    return _("Sent a file");
  return _("New message");
}

static char *
lookup_name (ZvNotifier *self,
             gint64      user_id)
{
  sqlite3_stmt *stmt = zv_db_prepare (reader (self), "SELECT name FROM users WHERE id = ?1", NULL);
  char *name = NULL;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, user_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    name = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  return name;
}

static ZvChat *
lookup_chat (ZvNotifier *self,
             gint64      chat_id)
{
  gint64 me = zv_account_get_user_id (self->account);
  sqlite3_stmt *stmt = zv_db_prepare (reader (self), ZV_CHAT_SELECT "WHERE c.id = ?2", NULL);
  ZvChat *chat = NULL;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, me);
  sqlite3_bind_int64 (stmt, 2, chat_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    chat = zv_chat_new_from_row (stmt, me);
  sqlite3_reset (stmt);
  return chat;
}

static void
notify_message (ZvNotifier *self,
                JsonObject *message)
{
  gint64 chat_id = json_object_get_int_member_with_default (message, "chat_id", 0);
  gint64 sender_id = json_object_get_int_member_with_default (message, "sender_id", 0);
  const char *text = json_object_get_string_member_with_default (message, "text", "");
  gboolean preview = g_settings_get_boolean (self->settings, "notification-previews");
  g_autoptr(ZvChat) chat = NULL;
  g_autofree char *sender = NULL;
  g_autofree char *summary = NULL;
  g_autofree char *body = NULL;
  g_autoptr(GError) error = NULL;
  NotifyNotification *n;
  ActionData *data;

  if (chat_id <= 0 || sender_id == zv_account_get_user_id (self->account) ||
      json_object_get_boolean_member_with_default (message, "deleted", FALSE))
    return;
  if (self->window_focused || self->do_not_disturb ||
      !g_settings_get_boolean (self->settings, "notifications"))
    return;

  chat = lookup_chat (self, chat_id);
  /* Muting is the user's own choice to hear nothing from this chat (pinning changes nothing here). */
  if (chat != NULL && zv_chat_get_muted (chat))
    return;
  sender = lookup_name (self, sender_id);
  if (sender == NULL || *sender == '\0')
    {
      g_free (sender);
      sender = g_strdup (_("Someone"));
    }
  if (chat != NULL && g_strcmp0 (zv_chat_get_chat_type (chat), "direct") != 0 &&
      *zv_chat_get_title (chat) != '\0')
    /* Translators: the title of a notification about a group message: sender, then chat. */
    summary = g_strdup_printf (_("%s in %s"), sender, zv_chat_get_title (chat));
  else
    summary = g_strdup (sender);

  if (preview && *text != '\0')
    {
      /* The daemon may read the body as markup; a message is plain text. Long ones are cut. */
      g_autofree char *cut = g_utf8_substring (text, 0, MIN (g_utf8_strlen (text, -1), 300));
      body = g_markup_escape_text (cut, -1);
    }
  else
    body = g_strdup (describe_without_text (message, preview));

  n = g_hash_table_lookup (self->shown, &chat_id);
  if (n != NULL)
    notify_notification_update (n, summary, body, NULL);
  else
    {
      n = notify_notification_new (summary, body, NULL);
      notify_notification_set_category (n, "im.received");
      notify_notification_set_hint_string (n, "desktop-entry", APPLICATION_ID);
      notify_notification_set_app_name (n, g_get_application_name ());
      g_object_set_data (G_OBJECT (n), "zv-chat-id", GSIZE_TO_POINTER ((gsize) chat_id));
      data = g_new0 (ActionData, 1);
      g_set_weak_pointer (&data->self, self);
      data->chat_id = chat_id;
      notify_notification_add_action (n, "default", _("Open Chat"), on_default_action, data,
                                      action_data_free);
      g_signal_connect_object (n, "closed", G_CALLBACK (on_closed), self, 0);
      g_hash_table_insert (self->shown, g_memdup2 (&chat_id, sizeof chat_id), n);
    }

  if (!notify_notification_show (n, &error))
    g_message ("Could not show a notification: %s", error->message);
}

static void
on_applied (ZvEvents   *events,
            const char *type,
            gint64      seq,
            JsonNode   *data,
            ZvNotifier *self)
{
  if (g_strcmp0 (type, "message.created") != 0 || data == NULL || !JSON_NODE_HOLDS_OBJECT (data))
    return;
  notify_message (self, json_node_get_object (data));
}

gboolean
zv_notifier_get_window_focused (ZvNotifier *self)
{
  g_return_val_if_fail (ZV_IS_NOTIFIER (self), FALSE);
  return self->window_focused;
}

void
zv_notifier_set_window_focused (ZvNotifier *self,
                                gboolean    focused)
{
  g_return_if_fail (ZV_IS_NOTIFIER (self));

  focused = !!focused;
  if (self->window_focused == focused)
    return;
  self->window_focused = focused;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WINDOW_FOCUSED]);
}

gboolean
zv_notifier_get_do_not_disturb (ZvNotifier *self)
{
  g_return_val_if_fail (ZV_IS_NOTIFIER (self), FALSE);
  return self->do_not_disturb;
}

void
zv_notifier_set_do_not_disturb (ZvNotifier *self,
                                gboolean    dnd)
{
  g_return_if_fail (ZV_IS_NOTIFIER (self));

  dnd = !!dnd;
  if (self->do_not_disturb == dnd)
    return;
  self->do_not_disturb = dnd;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DO_NOT_DISTURB]);
}

guint
zv_notifier_get_unread_total (ZvNotifier *self)
{
  g_return_val_if_fail (ZV_IS_NOTIFIER (self), 0);
  return self->unread_total;
}

static void
zv_notifier_constructed (GObject *object)
{
  ZvNotifier *self = ZV_NOTIFIER (object);
  ZvStore *store;

  G_OBJECT_CLASS (zv_notifier_parent_class)->constructed (object);

  g_return_if_fail (ZV_IS_ACCOUNT (self->account) && ZV_IS_EVENTS (self->events));
  store = zv_account_get_store (self->account);
  g_return_if_fail (ZV_IS_STORE (store));

  if (!notify_is_initted ())
    notify_init (g_get_application_name () != NULL ? g_get_application_name () : "Zveno");
  self->settings = g_settings_new (SETTINGS_SCHEMA_ID);
  g_signal_connect_object (self->events, "applied", G_CALLBACK (on_applied), self, 0);
  g_signal_connect_object (store, "changed", G_CALLBACK (on_store_changed), self, 0);
  update_unread_total (self);
}

static void
zv_notifier_dispose (GObject *object)
{
  ZvNotifier *self = ZV_NOTIFIER (object);

  g_clear_pointer (&self->shown, g_hash_table_unref);
  g_clear_object (&self->settings);
  g_clear_object (&self->events);
  g_clear_object (&self->account);

  G_OBJECT_CLASS (zv_notifier_parent_class)->dispose (object);
}

static void
zv_notifier_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  ZvNotifier *self = ZV_NOTIFIER (object);

  switch (prop_id)
    {
    case PROP_ACCOUNT:        g_value_set_object (value, self->account); break;
    case PROP_EVENTS:         g_value_set_object (value, self->events); break;
    case PROP_WINDOW_FOCUSED: g_value_set_boolean (value, self->window_focused); break;
    case PROP_DO_NOT_DISTURB: g_value_set_boolean (value, self->do_not_disturb); break;
    case PROP_UNREAD_TOTAL:   g_value_set_uint (value, self->unread_total); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zv_notifier_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  ZvNotifier *self = ZV_NOTIFIER (object);

  switch (prop_id)
    {
    case PROP_ACCOUNT:        self->account = g_value_dup_object (value); break;
    case PROP_EVENTS:         self->events = g_value_dup_object (value); break;
    case PROP_WINDOW_FOCUSED: zv_notifier_set_window_focused (self, g_value_get_boolean (value)); break;
    case PROP_DO_NOT_DISTURB: zv_notifier_set_do_not_disturb (self, g_value_get_boolean (value)); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zv_notifier_class_init (ZvNotifierClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->constructed = zv_notifier_constructed;
  object_class->dispose = zv_notifier_dispose;
  object_class->get_property = zv_notifier_get_property;
  object_class->set_property = zv_notifier_set_property;

  properties[PROP_ACCOUNT] =
    g_param_spec_object ("account", NULL, NULL, ZV_TYPE_ACCOUNT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_EVENTS] =
    g_param_spec_object ("events", NULL, NULL, ZV_TYPE_EVENTS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_WINDOW_FOCUSED] = g_param_spec_boolean ("window-focused", NULL, NULL, FALSE, rw);
  properties[PROP_DO_NOT_DISTURB] = g_param_spec_boolean ("do-not-disturb", NULL, NULL, FALSE, rw);
  properties[PROP_UNREAD_TOTAL] =
    g_param_spec_uint ("unread-total", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[OPEN_CHAT] = g_signal_new ("open-chat", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                     NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
}

static void
zv_notifier_init (ZvNotifier *self)
{
  self->shown = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_object_unref);
}

ZvNotifier *
zv_notifier_new (ZvAccount *account,
                 ZvEvents  *events)
{
  g_return_val_if_fail (ZV_IS_ACCOUNT (account), NULL);
  g_return_val_if_fail (ZV_IS_EVENTS (events), NULL);
  g_return_val_if_fail (zv_account_get_store (account) != NULL, NULL);

  return g_object_new (ZV_TYPE_NOTIFIER, "account", account, "events", events, NULL);
}
