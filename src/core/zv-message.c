/* zv-message.c: one item of ZvMessageList. ZvMessageList updates it in place (edits, reactions,
 * deletion, delivery) so a bound row changes without being rebuilt. */
#define G_LOG_DOMAIN "zveno-core"

#include "config.h"

#include <string.h>

#include "zv-message.h"

struct _ZvMessage
{
  GObject         parent_instance;

  /* owned */
  char           *sender_name;
  char           *client_id;
  char           *text;
  char           *attachments;
  char           *reactions;

  gint64          id;
  gint64          chat_id;
  gint64          sender_id;
  gint64          reply_to;
  gint64          created_at;
  gint64          edited_at;
  ZvMessageState  state;
  gboolean        deleted;
  gboolean        outgoing;
  gboolean        read;
};

G_DEFINE_FINAL_TYPE (ZvMessage, zv_message, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (ZvMessageState, zv_message_state,
                    G_DEFINE_ENUM_VALUE (ZV_MESSAGE_STATE_SENT, "sent"),
                    G_DEFINE_ENUM_VALUE (ZV_MESSAGE_STATE_PENDING, "pending"),
                    G_DEFINE_ENUM_VALUE (ZV_MESSAGE_STATE_FAILED, "failed"))

enum {
  PROP_0,
  PROP_ID,
  PROP_CHAT_ID,
  PROP_SENDER_ID,
  PROP_SENDER_NAME,
  PROP_CLIENT_ID,
  PROP_TEXT,
  PROP_REPLY_TO,
  PROP_CREATED_AT,
  PROP_EDITED_AT,
  PROP_DELETED,
  PROP_STATE,
  PROP_ATTACHMENTS,
  PROP_REACTIONS,
  PROP_OUTGOING,
  PROP_READ,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];
static gint n_alive;

static void
zv_message_finalize (GObject *object)
{
  ZvMessage *self = ZV_MESSAGE (object);

  g_free (self->sender_name);
  g_free (self->client_id);
  g_free (self->text);
  g_free (self->attachments);
  g_free (self->reactions);
  g_atomic_int_add (&n_alive, -1);

  G_OBJECT_CLASS (zv_message_parent_class)->finalize (object);
}

static void
zv_message_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  ZvMessage *self = ZV_MESSAGE (object);

  switch (prop_id)
    {
    case PROP_ID:          g_value_set_int64 (value, self->id); break;
    case PROP_CHAT_ID:     g_value_set_int64 (value, self->chat_id); break;
    case PROP_SENDER_ID:   g_value_set_int64 (value, self->sender_id); break;
    case PROP_SENDER_NAME: g_value_set_string (value, self->sender_name); break;
    case PROP_CLIENT_ID:   g_value_set_string (value, self->client_id); break;
    case PROP_TEXT:        g_value_set_string (value, self->text); break;
    case PROP_REPLY_TO:    g_value_set_int64 (value, self->reply_to); break;
    case PROP_CREATED_AT:  g_value_set_int64 (value, self->created_at); break;
    case PROP_EDITED_AT:   g_value_set_int64 (value, self->edited_at); break;
    case PROP_DELETED:     g_value_set_boolean (value, self->deleted); break;
    case PROP_STATE:       g_value_set_enum (value, self->state); break;
    case PROP_ATTACHMENTS: g_value_set_string (value, self->attachments); break;
    case PROP_REACTIONS:   g_value_set_string (value, self->reactions); break;
    case PROP_OUTGOING:    g_value_set_boolean (value, self->outgoing); break;
    case PROP_READ:        g_value_set_boolean (value, self->read); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zv_message_class_init (ZvMessageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = zv_message_finalize;
  object_class->get_property = zv_message_get_property;

  /* The server's id; an outbox message has 2^52 + its local id until the server acknowledges it. */
  properties[PROP_ID] = g_param_spec_int64 ("id", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_CHAT_ID] = g_param_spec_int64 ("chat-id", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_SENDER_ID] = g_param_spec_int64 ("sender-id", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_SENDER_NAME] = g_param_spec_string ("sender-name", NULL, NULL, NULL, flags);
  properties[PROP_CLIENT_ID] = g_param_spec_string ("client-id", NULL, NULL, NULL, flags);
  properties[PROP_TEXT] = g_param_spec_string ("text", NULL, NULL, NULL, flags);
  /* 0: not a reply. */
  properties[PROP_REPLY_TO] = g_param_spec_int64 ("reply-to", NULL, NULL, 0, G_MAXINT64, 0, flags);
  /* Milliseconds since the epoch, UTC; edited-at is 0 when never edited. */
  properties[PROP_CREATED_AT] = g_param_spec_int64 ("created-at", NULL, NULL, G_MININT64, G_MAXINT64, 0, flags);
  properties[PROP_EDITED_AT] = g_param_spec_int64 ("edited-at", NULL, NULL, G_MININT64, G_MAXINT64, 0, flags);
  /* A deleted message keeps its row ("message deleted"), text "". */
  properties[PROP_DELETED] = g_param_spec_boolean ("deleted", NULL, NULL, FALSE, flags);
  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, ZV_TYPE_MESSAGE_STATE, ZV_MESSAGE_STATE_SENT, flags);
  /* The server's JSON arrays, as text. */
  properties[PROP_ATTACHMENTS] = g_param_spec_string ("attachments", NULL, NULL, NULL, flags);
  properties[PROP_REACTIONS] = g_param_spec_string ("reactions", NULL, NULL, NULL, flags);
  /* Sent by the signed-in user. */
  properties[PROP_OUTGOING] = g_param_spec_boolean ("outgoing", NULL, NULL, FALSE, flags);
  /* Another member's read marker is at or past it (the sender's own marker does not count). */
  properties[PROP_READ] = g_param_spec_boolean ("read", NULL, NULL, FALSE, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
zv_message_init (ZvMessage *self)
{
  g_atomic_int_inc (&n_alive);
}

static char *
dup_column (sqlite3_stmt *stmt,
            int           column,
            const char   *if_null)
{
  const char *value = (const char *) sqlite3_column_text (stmt, column);

  return g_strdup (value != NULL ? value : if_null);
}

/* @stmt: a row of ZV_MESSAGE_SELECT */
ZvMessage *
zv_message_new_from_row (sqlite3_stmt *stmt,
                         gint64        self_id)
{
  ZvMessage *self = g_object_new (ZV_TYPE_MESSAGE, NULL);
  const char *state = (const char *) sqlite3_column_text (stmt, 10);

  self->id = sqlite3_column_int64 (stmt, 0);
  self->chat_id = sqlite3_column_int64 (stmt, 1);
  self->sender_id = sqlite3_column_int64 (stmt, 2);
  self->sender_name = dup_column (stmt, 3, "");
  self->client_id = dup_column (stmt, 4, "");
  self->text = dup_column (stmt, 5, "");
  self->reply_to = sqlite3_column_int64 (stmt, 6);
  self->created_at = sqlite3_column_int64 (stmt, 7);
  self->edited_at = sqlite3_column_int64 (stmt, 8);
  self->deleted = sqlite3_column_int (stmt, 9) != 0;
  if (g_strcmp0 (state, "pending") == 0)
    self->state = ZV_MESSAGE_STATE_PENDING;
  else if (g_strcmp0 (state, "failed") == 0)
    self->state = ZV_MESSAGE_STATE_FAILED;
  else
    self->state = ZV_MESSAGE_STATE_SENT;
  self->attachments = dup_column (stmt, 11, "[]");
  self->reactions = dup_column (stmt, 12, "[]");
  self->outgoing = self->sender_id == self_id;
  self->read = sqlite3_column_int (stmt, 13) != 0;
  return self;
}

/* A row the list counted but the database no longer holds: only ever shown between a commit and
 * the ::changed that corrects the list (see zv-message-list.c). */
ZvMessage *
zv_message_new_gap (gint64 chat_id)
{
  ZvMessage *self = g_object_new (ZV_TYPE_MESSAGE, NULL);

  self->chat_id = chat_id;
  self->deleted = TRUE;
  self->sender_name = g_strdup ("");
  self->client_id = g_strdup ("");
  self->text = g_strdup ("");
  self->attachments = g_strdup ("[]");
  self->reactions = g_strdup ("[]");
  return self;
}

static gboolean
set_string (ZvMessage   *self,
            char       **field,
            const char  *value,
            guint        prop)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
  return TRUE;
}

static gboolean
set_int64 (ZvMessage *self,
           gint64    *field,
           gint64     value,
           guint      prop)
{
  if (*field == value)
    return FALSE;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
  return TRUE;
}

/* Brings @self (same id) up to date from a fresh read; returns whether anything shown changed. */
gboolean
zv_message_update_from (ZvMessage *self,
                        ZvMessage *other)
{
  gboolean changed = FALSE;

  g_return_val_if_fail (ZV_IS_MESSAGE (self) && ZV_IS_MESSAGE (other), FALSE);
  g_return_val_if_fail (self->id == other->id, FALSE);

  if (self == other)
    return FALSE;

  g_object_freeze_notify (G_OBJECT (self));
  changed |= set_string (self, &self->sender_name, other->sender_name, PROP_SENDER_NAME);
  changed |= set_string (self, &self->client_id, other->client_id, PROP_CLIENT_ID);
  changed |= set_string (self, &self->text, other->text, PROP_TEXT);
  changed |= set_string (self, &self->attachments, other->attachments, PROP_ATTACHMENTS);
  changed |= set_string (self, &self->reactions, other->reactions, PROP_REACTIONS);
  changed |= set_int64 (self, &self->reply_to, other->reply_to, PROP_REPLY_TO);
  changed |= set_int64 (self, &self->created_at, other->created_at, PROP_CREATED_AT);
  changed |= set_int64 (self, &self->edited_at, other->edited_at, PROP_EDITED_AT);
  if (self->deleted != other->deleted)
    {
      self->deleted = other->deleted;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DELETED]);
      changed = TRUE;
    }
  if (self->state != other->state)
    {
      self->state = other->state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
      changed = TRUE;
    }
  if (self->read != other->read)
    {
      self->read = other->read;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_READ]);
      changed = TRUE;
    }
  g_object_thaw_notify (G_OBJECT (self));

  return changed;
}

guint
zv_message_get_n_alive (void)
{
  return (guint) g_atomic_int_get (&n_alive);
}

gint64         zv_message_get_id          (ZvMessage *self) { g_return_val_if_fail (ZV_IS_MESSAGE (self), 0); return self->id; }
gint64         zv_message_get_chat_id     (ZvMessage *self) { g_return_val_if_fail (ZV_IS_MESSAGE (self), 0); return self->chat_id; }
gint64         zv_message_get_sender_id   (ZvMessage *self) { g_return_val_if_fail (ZV_IS_MESSAGE (self), 0); return self->sender_id; }
const char    *zv_message_get_sender_name (ZvMessage *self) { g_return_val_if_fail (ZV_IS_MESSAGE (self), NULL); return self->sender_name; }
const char    *zv_message_get_client_id   (ZvMessage *self) { g_return_val_if_fail (ZV_IS_MESSAGE (self), NULL); return self->client_id; }
const char    *zv_message_get_text        (ZvMessage *self) { g_return_val_if_fail (ZV_IS_MESSAGE (self), NULL); return self->text; }
gint64         zv_message_get_reply_to    (ZvMessage *self) { g_return_val_if_fail (ZV_IS_MESSAGE (self), 0); return self->reply_to; }
gint64         zv_message_get_created_at  (ZvMessage *self) { g_return_val_if_fail (ZV_IS_MESSAGE (self), 0); return self->created_at; }
gint64         zv_message_get_edited_at   (ZvMessage *self) { g_return_val_if_fail (ZV_IS_MESSAGE (self), 0); return self->edited_at; }
gboolean       zv_message_get_deleted     (ZvMessage *self) { g_return_val_if_fail (ZV_IS_MESSAGE (self), FALSE); return self->deleted; }
ZvMessageState zv_message_get_state       (ZvMessage *self) { g_return_val_if_fail (ZV_IS_MESSAGE (self), ZV_MESSAGE_STATE_SENT); return self->state; }
const char    *zv_message_get_attachments (ZvMessage *self) { g_return_val_if_fail (ZV_IS_MESSAGE (self), NULL); return self->attachments; }
const char    *zv_message_get_reactions   (ZvMessage *self) { g_return_val_if_fail (ZV_IS_MESSAGE (self), NULL); return self->reactions; }
gboolean       zv_message_get_outgoing    (ZvMessage *self) { g_return_val_if_fail (ZV_IS_MESSAGE (self), FALSE); return self->outgoing; }
gboolean       zv_message_get_read        (ZvMessage *self) { g_return_val_if_fail (ZV_IS_MESSAGE (self), FALSE); return self->read; }
