/* zv-chat-row.c: ZvChatRow, the sidebar's view of one ZvChat. The list recycles rows, so a row
 * follows whichever chat it is given and re-reads it on every change of that chat. */
#define G_LOG_DOMAIN "zveno"

#include "config.h"

#include <glib/gi18n.h>

#include "zv-chat-row.h"

struct _ZvChatRow
{
  AdwBin          parent_instance;

  /* owned */
  ZvChat         *chat;
  GSignalGroup   *chat_signals;

  /* borrowed: template children */
  AdwAvatar      *avatar;
  GtkLabel       *title_label;
  GtkLabel       *time_label;
  GtkLabel       *preview_label;
  GtkLabel       *unread_label;
};

G_DEFINE_FINAL_TYPE (ZvChatRow, zv_chat_row, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_CHAT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/**
 * zv_chat_row_format_time:
 * @time_ms: milliseconds since the epoch
 * @now: (nullable): the current time, for tests; %NULL: now
 *
 * Returns: today "14:05", within the past week the weekday, else the date.
 */
char *
zv_chat_row_format_time (gint64     time_ms,
                         GDateTime *now)
{
  g_autoptr(GDateTime) local = NULL;
  g_autoptr(GDateTime) current = NULL;
  g_autoptr(GDateTime) today = NULL;
  GTimeSpan age;

  if (time_ms <= 0)
    return g_strdup ("");
  local = g_date_time_new_from_unix_local (time_ms / 1000);
  if (local == NULL)
    return g_strdup ("");
  current = now != NULL ? g_date_time_to_local (now) : g_date_time_new_now_local ();
  today = g_date_time_new_local (g_date_time_get_year (current), g_date_time_get_month (current),
                                 g_date_time_get_day_of_month (current), 0, 0, 0);
  age = g_date_time_difference (today, local);

  if (age <= 0)
    /* TRANSLATORS: a time of today in the chat list; see the GDateTime format codes */
    return g_date_time_format (local, _("%H:%M"));
  if (age < 6 * G_TIME_SPAN_DAY)
    /* TRANSLATORS: a day of the past week in the chat list: the abbreviated weekday */
    return g_date_time_format (local, _("%a"));
  if (g_date_time_get_year (local) == g_date_time_get_year (current))
    /* TRANSLATORS: a date of this year in the chat list: day and abbreviated month */
    return g_date_time_format (local, _("%-d %b"));
  /* TRANSLATORS: a date of an earlier year in the chat list */
  return g_date_time_format (local, _("%d.%m.%Y"));
}

static void
zv_chat_row_update (ZvChatRow *self)
{
  const char *title;
  const char *preview;
  const char *sender;
  const char *draft;
  g_autofree char *time = NULL;
  g_autofree char *line = NULL;
  g_autofree char *unread = NULL;
  g_autofree char *accessible = NULL;
  guint n_unread;

  if (self->chat == NULL)
    return;

  title = zv_chat_get_title (self->chat);
  if (title == NULL || *title == '\0')
    title = _("Unnamed chat");
  preview = zv_chat_get_preview (self->chat);
  sender = zv_chat_get_preview_sender (self->chat);
  draft = zv_chat_get_draft (self->chat);
  n_unread = zv_chat_get_unread (self->chat);

  adw_avatar_set_text (self->avatar, title);
  gtk_label_set_label (self->title_label, title);
  time = zv_chat_row_format_time (zv_chat_get_last_activity (self->chat), NULL);
  gtk_label_set_label (self->time_label, time);

  /* A draft is what the user wants to see first: they were in the middle of something. */
  if (draft != NULL && *draft != '\0')
    {
      g_autofree char *escaped = g_markup_escape_text (draft, -1);

      /* TRANSLATORS: in the chat list, before an unsent draft */
      line = g_strdup_printf ("<span foreground=\"#e01b24\">%s</span> %s", _("Draft:"), escaped);
      gtk_label_set_use_markup (self->preview_label, TRUE);
      gtk_label_set_label (self->preview_label, line);
    }
  else
    {
      if (sender != NULL && *sender != '\0' && g_strcmp0 (zv_chat_get_chat_type (self->chat), "direct") != 0)
        /* TRANSLATORS: last message in the chat list: sender's name, then the text */
        line = g_strdup_printf (_("%s: %s"), sender, preview != NULL ? preview : "");
      else
        line = g_strdup (preview != NULL ? preview : "");
      gtk_label_set_use_markup (self->preview_label, FALSE);
      gtk_label_set_label (self->preview_label, line);
    }

  gtk_widget_set_visible (GTK_WIDGET (self->unread_label), n_unread > 0);
  unread = n_unread > 999 ? g_strdup ("999+") : g_strdup_printf ("%u", n_unread);
  gtk_label_set_label (self->unread_label, unread);

  if (n_unread > 0)
    accessible = g_strdup_printf (g_dngettext (NULL, "%s, %u unread message", "%s, %u unread messages", n_unread),
                                  title, n_unread);
  else
    accessible = g_strdup (title);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, line != NULL ? line : "", -1);
}

ZvChat *
zv_chat_row_get_chat (ZvChatRow *self)
{
  g_return_val_if_fail (ZV_IS_CHAT_ROW (self), NULL);
  return self->chat;
}

void
zv_chat_row_set_chat (ZvChatRow *self,
                      ZvChat    *chat)
{
  g_return_if_fail (ZV_IS_CHAT_ROW (self));
  g_return_if_fail (chat == NULL || ZV_IS_CHAT (chat));

  if (!g_set_object (&self->chat, chat))
    return;
  g_signal_group_set_target (self->chat_signals, chat);
  zv_chat_row_update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHAT]);
}

static void
zv_chat_row_dispose (GObject *object)
{
  ZvChatRow *self = ZV_CHAT_ROW (object);

  if (self->chat_signals != NULL)
    g_signal_group_set_target (self->chat_signals, NULL);
  g_clear_object (&self->chat_signals);
  g_clear_object (&self->chat);
  gtk_widget_dispose_template (GTK_WIDGET (self), ZV_TYPE_CHAT_ROW);

  G_OBJECT_CLASS (zv_chat_row_parent_class)->dispose (object);
}

static void
zv_chat_row_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  ZvChatRow *self = ZV_CHAT_ROW (object);

  switch (prop_id)
    {
    case PROP_CHAT:
      g_value_set_object (value, self->chat);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zv_chat_row_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  ZvChatRow *self = ZV_CHAT_ROW (object);

  switch (prop_id)
    {
    case PROP_CHAT:
      zv_chat_row_set_chat (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zv_chat_row_class_init (ZvChatRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = zv_chat_row_dispose;
  object_class->get_property = zv_chat_row_get_property;
  object_class->set_property = zv_chat_row_set_property;

  properties[PROP_CHAT] =
    g_param_spec_object ("chat", NULL, NULL, ZV_TYPE_CHAT,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, APPLICATION_PATH "/zv-chat-row.ui");
  gtk_widget_class_bind_template_child (widget_class, ZvChatRow, avatar);
  gtk_widget_class_bind_template_child (widget_class, ZvChatRow, title_label);
  gtk_widget_class_bind_template_child (widget_class, ZvChatRow, time_label);
  gtk_widget_class_bind_template_child (widget_class, ZvChatRow, preview_label);
  gtk_widget_class_bind_template_child (widget_class, ZvChatRow, unread_label);
}

static void
zv_chat_row_init (ZvChatRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->chat_signals = g_signal_group_new (ZV_TYPE_CHAT);
  g_signal_group_connect_swapped (self->chat_signals, "notify", G_CALLBACK (zv_chat_row_update), self);
}
