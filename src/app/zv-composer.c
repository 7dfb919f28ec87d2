/* zv-composer.c: ZvComposer. Enter sends (Shift+Enter starts a new line; with the send-with-enter
 * setting off it is the other way round), the Send button does the same, and what is typed but not
 * sent is kept per chat as a draft: written to the cache a moment after the typing stops, and when
 * the user switches chats, so it survives restarts. Sending goes through the outbox, so the message
 * shows at once as pending, online or not. */
#define G_LOG_DOMAIN "zveno"

#include "config.h"

#include <glib/gi18n.h>

#include "zv-composer.h"

/* Typing pauses shorter than this do not rewrite the draft. */
#define DRAFT_DELAY_MS 700

struct _ZvComposer
{
  AdwBin       parent_instance;

  /* owned */
  ZvSession   *session;
  GSettings   *settings;
  char        *saved_draft;   /* what the cache holds for chat_id */
  guint        draft_timeout;

  gint64       chat_id;
  gboolean     loading;       /* setting the text of another chat: not an edit */

  /* borrowed: template children */
  GtkTextView *text_view;
  GtkButton   *send_button;
};

G_DEFINE_FINAL_TYPE (ZvComposer, zv_composer, ADW_TYPE_BIN)

static char *
get_text (ZvComposer *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);
  GtkTextIter start;
  GtkTextIter end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

/**
 * zv_composer_save_draft:
 *
 * Writes the draft now if it changed (switching chats, closing the window).
 */
void
zv_composer_save_draft (ZvComposer *self)
{
  g_autofree char *text = NULL;

  g_return_if_fail (ZV_IS_COMPOSER (self));

  g_clear_handle_id (&self->draft_timeout, g_source_remove);
  if (self->session == NULL || self->chat_id == 0)
    return;
  text = get_text (self);
  if (g_strcmp0 (text, self->saved_draft) == 0)
    return;
  zv_session_save_draft (self->session, self->chat_id, text);
  g_free (self->saved_draft);
  self->saved_draft = g_steal_pointer (&text);
}

static gboolean
draft_timeout_cb (gpointer user_data)
{
  ZvComposer *self = user_data;

  self->draft_timeout = 0;
  zv_composer_save_draft (self);
  return G_SOURCE_REMOVE;
}

static void
buffer_changed_cb (ZvComposer *self)
{
  g_autofree char *text = get_text (self);
  g_autofree char *stripped = g_strstrip (g_strdup (text));

  gtk_widget_set_sensitive (GTK_WIDGET (self->send_button), *stripped != '\0' && self->chat_id != 0);
  if (self->loading)
    return;
  g_clear_handle_id (&self->draft_timeout, g_source_remove);
  self->draft_timeout = g_timeout_add (DRAFT_DELAY_MS, draft_timeout_cb, self);
}

static void
send_cb (ZvComposer *self)
{
  g_autofree char *text = get_text (self);
  g_autofree char *stripped = g_strstrip (g_strdup (text));

  if (*stripped == '\0' || self->session == NULL || self->chat_id == 0)
    return;
  zv_session_send (self->session, self->chat_id, stripped, 0);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->text_view), "", 0);
  /* The message is in the outbox now: the draft goes at once, not after the delay. */
  zv_composer_save_draft (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->text_view));
}

static gboolean
key_pressed_cb (ZvComposer      *self,
                guint            keyval,
                guint            keycode,
                GdkModifierType  state)
{
  gboolean shift = (state & GDK_SHIFT_MASK) != 0;
  gboolean enter_sends;

  if (keyval != GDK_KEY_Return && keyval != GDK_KEY_KP_Enter && keyval != GDK_KEY_ISO_Enter)
    return FALSE;
  if ((state & (GDK_CONTROL_MASK | GDK_ALT_MASK)) != 0)
    {
      /* Ctrl+Enter always sends, whatever the setting. */
      send_cb (self);
      return TRUE;
    }
  enter_sends = g_settings_get_boolean (self->settings, "send-with-enter");
  if (enter_sends != shift)
    {
      send_cb (self);
      return TRUE;
    }
  return FALSE;
}

void
zv_composer_set_chat (ZvComposer *self,
                      ZvSession  *session,
                      gint64      chat_id,
                      const char *draft)
{
  g_return_if_fail (ZV_IS_COMPOSER (self));
  g_return_if_fail (session == NULL || ZV_IS_SESSION (session));

  if (self->chat_id == chat_id && self->session == session)
    return;
  zv_composer_save_draft (self);

  g_set_object (&self->session, session);
  self->chat_id = chat_id;
  g_free (self->saved_draft);
  self->saved_draft = g_strdup (draft != NULL ? draft : "");
  self->loading = TRUE;
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->text_view), self->saved_draft, -1);
  self->loading = FALSE;
}

static gboolean
zv_composer_grab_focus (GtkWidget *widget)
{
  return gtk_widget_grab_focus (GTK_WIDGET (ZV_COMPOSER (widget)->text_view));
}

static void
zv_composer_dispose (GObject *object)
{
  ZvComposer *self = ZV_COMPOSER (object);

  if (self->text_view != NULL)
    zv_composer_save_draft (self);
  g_clear_handle_id (&self->draft_timeout, g_source_remove);
  g_clear_object (&self->session);
  g_clear_object (&self->settings);
  gtk_widget_dispose_template (GTK_WIDGET (self), ZV_TYPE_COMPOSER);

  G_OBJECT_CLASS (zv_composer_parent_class)->dispose (object);
}

static void
zv_composer_finalize (GObject *object)
{
  ZvComposer *self = ZV_COMPOSER (object);

  g_free (self->saved_draft);

  G_OBJECT_CLASS (zv_composer_parent_class)->finalize (object);
}

static void
zv_composer_class_init (ZvComposerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = zv_composer_dispose;
  object_class->finalize = zv_composer_finalize;
  widget_class->grab_focus = zv_composer_grab_focus;

  gtk_widget_class_set_template_from_resource (widget_class, APPLICATION_PATH "/zv-composer.ui");
  gtk_widget_class_bind_template_child (widget_class, ZvComposer, text_view);
  gtk_widget_class_bind_template_child (widget_class, ZvComposer, send_button);
  gtk_widget_class_bind_template_callback (widget_class, send_cb);
}

static void
zv_composer_init (ZvComposer *self)
{
  GtkEventController *keys;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new (SETTINGS_SCHEMA_ID);
  g_signal_connect_object (gtk_text_view_get_buffer (self->text_view), "changed",
                           G_CALLBACK (buffer_changed_cb), self, G_CONNECT_SWAPPED);

  /* Capture phase: the text view would insert the newline before a bubbling handler runs. */
  keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect_object (keys, "key-pressed", G_CALLBACK (key_pressed_cb), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self->text_view), keys);
}
