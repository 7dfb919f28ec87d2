/* zv-chat.c: one item of ZvChatList. Immutable to the UI; the list brings it up to date in place
 * (notifying only the properties that changed) so bindings survive a refresh. */
#define G_LOG_DOMAIN "zveno-core"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "zv-chat.h"

/* The preview is one line in the chat list: this many characters are plenty for any width. */
#define PREVIEW_CHARS 120

struct _ZvChat
{
  GObject   parent_instance;

  /* owned */
  gint64    id;
  char     *chat_type;
  char     *title;
  guint     unread;
  gint64    last_activity;
  char     *preview;
  char     *preview_sender;
  char     *draft;
  gboolean  limited;
  gboolean  muted;
  gboolean  pinned;
  gboolean  external;
};

G_DEFINE_FINAL_TYPE (ZvChat, zv_chat, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_CHAT_TYPE,
  PROP_TITLE,
  PROP_UNREAD,
  PROP_LAST_ACTIVITY,
  PROP_PREVIEW,
  PROP_PREVIEW_SENDER,
  PROP_DRAFT,
  PROP_LIMITED,
  PROP_MUTED,
  PROP_PINNED,
  PROP_EXTERNAL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
zv_chat_finalize (GObject *object)
{
  ZvChat *self = ZV_CHAT (object);

  g_free (self->chat_type);
  g_free (self->title);
  g_free (self->preview);
  g_free (self->preview_sender);
  g_free (self->draft);

  G_OBJECT_CLASS (zv_chat_parent_class)->finalize (object);
}

static void
zv_chat_get_property (GObject    *object,
                      guint       prop_id,
                      GValue     *value,
                      GParamSpec *pspec)
{
  ZvChat *self = ZV_CHAT (object);

  switch (prop_id)
    {
    case PROP_ID:             g_value_set_int64 (value, self->id); break;
    case PROP_CHAT_TYPE:      g_value_set_string (value, self->chat_type); break;
    case PROP_TITLE:          g_value_set_string (value, self->title); break;
    case PROP_UNREAD:         g_value_set_uint (value, self->unread); break;
    case PROP_LAST_ACTIVITY:  g_value_set_int64 (value, self->last_activity); break;
    case PROP_PREVIEW:        g_value_set_string (value, self->preview); break;
    case PROP_PREVIEW_SENDER: g_value_set_string (value, self->preview_sender); break;
    case PROP_DRAFT:          g_value_set_string (value, self->draft); break;
    case PROP_LIMITED:        g_value_set_boolean (value, self->limited); break;
    case PROP_MUTED:          g_value_set_boolean (value, self->muted); break;
    case PROP_PINNED:         g_value_set_boolean (value, self->pinned); break;
    case PROP_EXTERNAL:       g_value_set_boolean (value, self->external); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zv_chat_class_init (ZvChatClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = zv_chat_finalize;
  object_class->get_property = zv_chat_get_property;

  properties[PROP_ID] = g_param_spec_int64 ("id", NULL, NULL, 0, G_MAXINT64, 0, flags);
  /* "direct" or "group" */
  properties[PROP_CHAT_TYPE] = g_param_spec_string ("chat-type", NULL, NULL, NULL, flags);
  /* For a direct chat: the other person's name. */
  properties[PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, NULL, flags);
  properties[PROP_UNREAD] = g_param_spec_uint ("unread", NULL, NULL, 0, G_MAXUINT, 0, flags);
  /* Milliseconds since the epoch, UTC. */
  properties[PROP_LAST_ACTIVITY] = g_param_spec_int64 ("last-activity", NULL, NULL, 0, G_MAXINT64, 0, flags);
  /* The last message on one line ("" in an empty chat). */
  properties[PROP_PREVIEW] = g_param_spec_string ("preview", NULL, NULL, NULL, flags);
  properties[PROP_PREVIEW_SENDER] = g_param_spec_string ("preview-sender", NULL, NULL, NULL, flags);
  properties[PROP_DRAFT] = g_param_spec_string ("draft", NULL, NULL, NULL, flags);
  /* The cache holds only the newest part of the history. */
  properties[PROP_LIMITED] = g_param_spec_boolean ("limited", NULL, NULL, FALSE, flags);
  /* The user's own settings: no notifications; listed before the others. */
  properties[PROP_MUTED] = g_param_spec_boolean ("muted", NULL, NULL, FALSE, flags);
  properties[PROP_PINNED] = g_param_spec_boolean ("pinned", NULL, NULL, FALSE, flags);
  /* Some member is an external (guest) account: the UI marks the chat. */
  properties[PROP_EXTERNAL] = g_param_spec_boolean ("external", NULL, NULL, FALSE, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
zv_chat_init (ZvChat *self)
{
}

static char *
one_line (const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text, -1);
  g_autofree char *cut = g_utf8_substring (valid, 0, MIN (g_utf8_strlen (valid, -1), PREVIEW_CHARS));

  g_strstrip (g_strdelimit (cut, "\r\n\t", ' '));
  return g_steal_pointer (&cut);
}

/**
 * zv_chat_new_from_row:
 * @stmt: a row of ZV_CHAT_SELECT
 * @self_id: the signed-in user, whose own messages preview as "You"
 */
ZvChat *
zv_chat_new_from_row (sqlite3_stmt *stmt,
                      gint64        self_id)
{
  ZvChat *self = g_object_new (ZV_TYPE_CHAT, NULL);
  const char *title = (const char *) sqlite3_column_text (stmt, 2);
  const char *other = (const char *) sqlite3_column_text (stmt, 7);

  self->id = sqlite3_column_int64 (stmt, 0);
  self->chat_type = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
  if (g_strcmp0 (self->chat_type, "direct") == 0 && other != NULL && *other != '\0')
    self->title = g_strdup (other);
  else if (title != NULL && *title != '\0')
    self->title = g_strdup (title);
  else if (g_strcmp0 (self->chat_type, "direct") == 0)
    self->title = g_strdup (_("Unknown person"));
  else
    self->title = g_strdup (_("Untitled group"));
  self->unread = (guint) CLAMP (sqlite3_column_int64 (stmt, 3), 0, G_MAXUINT);
  self->last_activity = sqlite3_column_int64 (stmt, 4);
  self->draft = g_strdup ((const char *) sqlite3_column_text (stmt, 5));
  if (self->draft == NULL)
    self->draft = g_strdup ("");
  self->limited = sqlite3_column_int (stmt, 6) != 0;
  self->muted = sqlite3_column_int (stmt, 13) != 0;
  self->pinned = sqlite3_column_int (stmt, 14) != 0;
  self->external = sqlite3_column_int (stmt, 15) != 0;

  if (sqlite3_column_type (stmt, 8) == SQLITE_NULL && sqlite3_column_type (stmt, 11) == SQLITE_NULL)
    {
      self->preview = g_strdup ("");
      self->preview_sender = g_strdup ("");
    }
  else
    {
      const char *text = (const char *) sqlite3_column_text (stmt, 8);
      const char *attachments = (const char *) sqlite3_column_text (stmt, 10);
      const char *sender = (const char *) sqlite3_column_text (stmt, 12);

      if (sqlite3_column_int (stmt, 9) != 0)
        self->preview = g_strdup (_("Message deleted"));
      else if ((text == NULL || *text == '\0') && g_strcmp0 (attachments, "[]") != 0)
        self->preview = g_strdup (_("Attachment"));
      else
        self->preview = one_line (text != NULL ? text : "");

      if (sqlite3_column_int64 (stmt, 11) == self_id)
        self->preview_sender = g_strdup (_("You"));
      else
        self->preview_sender = g_strdup (sender != NULL ? sender : "");
    }

  return self;
}

static gboolean
set_boolean (ZvChat   *self,
             gboolean *field,
             gboolean  value,
             guint     prop)
{
  if (*field == value)
    return FALSE;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
  return TRUE;
}

static gboolean
set_string (ZvChat     *self,
            char      **field,
            const char *value,
            guint       prop)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
  return TRUE;
}

/* Copies what @other shows into @self, notifying each property that changed. Returns whether any did. */
gboolean
zv_chat_update_from (ZvChat *self,
                     ZvChat *other)
{
  gboolean changed = FALSE;

  g_return_val_if_fail (ZV_IS_CHAT (self) && ZV_IS_CHAT (other), FALSE);
  g_return_val_if_fail (self->id == other->id, FALSE);

  if (self == other)
    return FALSE;

  g_object_freeze_notify (G_OBJECT (self));
  changed |= set_string (self, &self->chat_type, other->chat_type, PROP_CHAT_TYPE);
  changed |= set_string (self, &self->title, other->title, PROP_TITLE);
  changed |= set_string (self, &self->preview, other->preview, PROP_PREVIEW);
  changed |= set_string (self, &self->preview_sender, other->preview_sender, PROP_PREVIEW_SENDER);
  changed |= set_string (self, &self->draft, other->draft, PROP_DRAFT);
  if (self->unread != other->unread)
    {
      self->unread = other->unread;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UNREAD]);
      changed = TRUE;
    }
  if (self->last_activity != other->last_activity)
    {
      self->last_activity = other->last_activity;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_ACTIVITY]);
      changed = TRUE;
    }
  changed |= set_boolean (self, &self->limited, other->limited, PROP_LIMITED);
  changed |= set_boolean (self, &self->muted, other->muted, PROP_MUTED);
  changed |= set_boolean (self, &self->pinned, other->pinned, PROP_PINNED);
  changed |= set_boolean (self, &self->external, other->external, PROP_EXTERNAL);
  g_object_thaw_notify (G_OBJECT (self));

  return changed;
}

gint64      zv_chat_get_id             (ZvChat *self) { g_return_val_if_fail (ZV_IS_CHAT (self), 0); return self->id; }
const char *zv_chat_get_chat_type      (ZvChat *self) { g_return_val_if_fail (ZV_IS_CHAT (self), NULL); return self->chat_type; }
const char *zv_chat_get_title          (ZvChat *self) { g_return_val_if_fail (ZV_IS_CHAT (self), NULL); return self->title; }
guint       zv_chat_get_unread         (ZvChat *self) { g_return_val_if_fail (ZV_IS_CHAT (self), 0); return self->unread; }
gint64      zv_chat_get_last_activity  (ZvChat *self) { g_return_val_if_fail (ZV_IS_CHAT (self), 0); return self->last_activity; }
const char *zv_chat_get_preview        (ZvChat *self) { g_return_val_if_fail (ZV_IS_CHAT (self), NULL); return self->preview; }
const char *zv_chat_get_preview_sender (ZvChat *self) { g_return_val_if_fail (ZV_IS_CHAT (self), NULL); return self->preview_sender; }
const char *zv_chat_get_draft          (ZvChat *self) { g_return_val_if_fail (ZV_IS_CHAT (self), NULL); return self->draft; }
gboolean    zv_chat_get_limited        (ZvChat *self) { g_return_val_if_fail (ZV_IS_CHAT (self), FALSE); return self->limited; }
gboolean    zv_chat_get_muted          (ZvChat *self) { g_return_val_if_fail (ZV_IS_CHAT (self), FALSE); return self->muted; }
gboolean    zv_chat_get_pinned         (ZvChat *self) { g_return_val_if_fail (ZV_IS_CHAT (self), FALSE); return self->pinned; }
gboolean    zv_chat_get_external       (ZvChat *self) { g_return_val_if_fail (ZV_IS_CHAT (self), FALSE); return self->external; }
