/* zv-message-row.c: ZvMessageRow, the conversation's view of one ZvMessage.
 *
 * Rows are recycled by the list view, so everything here is recomputed from the message (and the
 * one before it, for grouping) on every bind. Messages of one sender within a few minutes form a
 * group: only the first shows the name. Links and phone numbers become clickable.
 */
#define G_LOG_DOMAIN "zveno"

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "zv-message-row.h"

/* Messages of one sender closer than this are one group. */
#define GROUP_GAP_MS (5 * 60 * 1000)

struct _ZvMessageRow
{
  AdwBin        parent_instance;

  /* owned */
  ZvStore      *store;
  ZvMessage    *message;
  GSignalGroup *message_signals;
  gboolean      first_in_group;

  /* borrowed: template children */
  GtkBox       *outer;
  GtkLabel     *sender_label;
  GtkBox       *bubble;
  GtkBox       *quote_box;
  GtkLabel     *quote_sender;
  GtkLabel     *quote_text;
  GtkLabel     *text_label;
  GtkLabel     *files_label;
  GtkBox       *reactions_box;
  GtkLabel     *edited_label;
  GtkLabel     *time_label;
  GtkImage     *state_image;
  GtkButton    *retry_button;
};

G_DEFINE_FINAL_TYPE (ZvMessageRow, zv_message_row, ADW_TYPE_BIN)

static GRegex *
link_regex (void)
{
  static gsize regex = 0;

  if (g_once_init_enter (&regex))
    {
      /* URLs, then phone numbers: "+7 495 123-45-67", "8 (800) 555-35-35", "+441234567890". */
      GRegex *compiled = g_regex_new ("(https?://[^\\s<>\"]+[^\\s<>\".,;:!?)\\]])|"
                                      "(\\+?\\d[\\d ()-]{5,}\\d)",
                                      G_REGEX_OPTIMIZE, 0, NULL);
      g_once_init_leave (&regex, (gsize) compiled);
    }
  return (GRegex *) regex;
}

/* Pango markup of @text with links; everything else escaped. */
static char *
linkify (const char *text)
{
  g_autoptr(GMatchInfo) match = NULL;
  GString *out = g_string_new (NULL);
  const char *done = text;

  g_regex_match (link_regex (), text, 0, &match);
  while (g_match_info_matches (match))
    {
      int start = 0;
      int end = 0;
      g_autofree char *before = NULL;
      g_autofree char *found = g_match_info_fetch (match, 0);
      g_autofree char *url = g_match_info_fetch (match, 1);
      g_autofree char *href = NULL;
      g_autofree char *href_escaped = NULL;
      g_autofree char *found_escaped = NULL;

      g_match_info_fetch_pos (match, 0, &start, &end);
      before = g_markup_escape_text (done, text + start - done);
      g_string_append (out, before);
      if (url != NULL && *url != '\0')
        href = g_strdup (url);
      else
        {
          /* tel: wants the digits only (and a leading +). */
          GString *digits = g_string_new ("tel:");
          for (const char *p = found; *p; p++)
            if (g_ascii_isdigit (*p) || (*p == '+' && p == found))
              g_string_append_c (digits, *p);
          href = g_string_free (digits, FALSE);
        }
      href_escaped = g_markup_escape_text (href, -1);
      found_escaped = g_markup_escape_text (found, -1);
      g_string_append_printf (out, "<a href=\"%s\">%s</a>", href_escaped, found_escaped);
      done = text + end;
      g_match_info_next (match, NULL);
    }
  {
    g_autofree char *rest = g_markup_escape_text (done, -1);
    g_string_append (out, rest);
  }
  return g_string_free (out, FALSE);
}

static char *
format_size (gint64 size)
{
  return g_format_size ((guint64) MAX (size, 0));
}

static void
update_quote (ZvMessageRow *self)
{
  gint64 reply_to = zv_message_get_reply_to (self->message);
  ZvDb *db;
  sqlite3_stmt *stmt;
  g_autoptr(GError) error = NULL;

  gtk_widget_set_visible (GTK_WIDGET (self->quote_box), reply_to != 0);
  if (reply_to == 0 || self->store == NULL)
    return;

  /* One lookup by primary key: cheap enough for the main thread's reader. */
  db = zv_store_get_reader (self->store);
  stmt = zv_db_prepare (db, "SELECT u.name, m.text, m.deleted FROM messages m "
                            "LEFT JOIN users u ON u.id = m.sender_id WHERE m.id = ?1", &error);
  if (stmt == NULL)
    {
      g_warning ("reply quote: %s", error->message);
      gtk_widget_set_visible (GTK_WIDGET (self->quote_box), FALSE);
      return;
    }
  sqlite3_bind_int64 (stmt, 1, reply_to);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *name = zv_db_column_text (stmt, 0);
      gboolean deleted = sqlite3_column_int (stmt, 2) != 0;

      gtk_label_set_label (self->quote_sender, name != NULL ? name : "");
      gtk_label_set_label (self->quote_text, deleted ? _("Message deleted") : zv_db_column_text (stmt, 1));
    }
  else
    {
      gtk_label_set_label (self->quote_sender, "");
      gtk_label_set_label (self->quote_text, _("An earlier message"));
    }
  sqlite3_reset (stmt);
}

static void
update_reactions_and_files (ZvMessageRow *self)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  GtkWidget *child;
  JsonNode *root;
  GString *files = g_string_new (NULL);
  g_autofree char *files_text = NULL;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->reactions_box))) != NULL)
    gtk_box_remove (self->reactions_box, child);

  if (json_parser_load_from_data (parser, zv_message_get_reactions (self->message), -1, NULL) &&
      (root = json_parser_get_root (parser)) != NULL && JSON_NODE_HOLDS_ARRAY (root))
    {
      JsonArray *array = json_node_get_array (root);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonObject *reaction = json_array_get_object_element (array, i);
          JsonArray *users;
          const char *emoji;
          g_autofree char *text = NULL;
          g_autofree char *accessible = NULL;
          GtkWidget *pill;
          guint count;

          if (reaction == NULL || !json_object_has_member (reaction, "emoji"))
            continue;
          emoji = json_object_get_string_member_with_default (reaction, "emoji", "");
          users = json_object_has_member (reaction, "user_ids") ? json_object_get_array_member (reaction, "user_ids") : NULL;
          count = users != NULL ? json_array_get_length (users) : 1;
          text = g_strdup_printf ("%s %u", emoji, count);
          pill = gtk_label_new (text);
          gtk_widget_add_css_class (pill, "zv-reaction");
          accessible = g_strdup_printf (g_dngettext (NULL, "%s reaction from %u person", "%s reaction from %u people", count),
                                        emoji, count);
          gtk_accessible_update_property (GTK_ACCESSIBLE (pill), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible, -1);
          gtk_box_append (self->reactions_box, pill);
        }
    }

  if (json_parser_load_from_data (parser, zv_message_get_attachments (self->message), -1, NULL) &&
      (root = json_parser_get_root (parser)) != NULL && JSON_NODE_HOLDS_ARRAY (root))
    {
      JsonArray *array = json_node_get_array (root);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonObject *file = json_array_get_object_element (array, i);
          g_autofree char *size = NULL;

          if (file == NULL)
            continue;
          size = format_size (json_object_get_int_member_with_default (file, "size", 0));
          if (files->len > 0)
            g_string_append_c (files, '\n');
          /* TRANSLATORS: an attached file: its name and size */
          g_string_append_printf (files, _("📎 %s (%s)"),
                                  json_object_get_string_member_with_default (file, "name", "?"), size);
        }
    }
  files_text = g_string_free (files, FALSE);
  gtk_label_set_label (self->files_label, files_text);
  gtk_widget_set_visible (GTK_WIDGET (self->files_label), *files_text != '\0');
}

static void
zv_message_row_update (ZvMessageRow *self)
{
  ZvMessage *message = self->message;
  gboolean outgoing;
  gboolean deleted;
  ZvMessageState state;
  g_autofree char *markup = NULL;
  g_autofree char *time = NULL;
  g_autofree char *accessible = NULL;
  g_autoptr(GDateTime) when = NULL;
  const char *state_text = "";

  if (message == NULL)
    return;

  outgoing = zv_message_get_outgoing (message);
  deleted = zv_message_get_deleted (message);
  state = zv_message_get_state (message);

  gtk_widget_set_halign (GTK_WIDGET (self->bubble), outgoing ? GTK_ALIGN_END : GTK_ALIGN_START);
  gtk_widget_set_margin_start (GTK_WIDGET (self->bubble), outgoing ? 48 : 0);
  gtk_widget_set_margin_end (GTK_WIDGET (self->bubble), outgoing ? 0 : 48);
  if (outgoing)
    gtk_widget_add_css_class (GTK_WIDGET (self->bubble), "zv-own");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->bubble), "zv-own");

  gtk_widget_set_visible (GTK_WIDGET (self->sender_label), self->first_in_group && !outgoing);
  gtk_widget_set_margin_top (GTK_WIDGET (self->outer), self->first_in_group ? 6 : 0);
  gtk_label_set_label (self->sender_label, zv_message_get_sender_name (message));

  if (deleted)
    {
      g_autofree char *escaped = g_markup_escape_text (_("Message deleted"), -1);

      markup = g_strdup_printf ("<i>%s</i>", escaped);
      gtk_widget_add_css_class (GTK_WIDGET (self->text_label), "dim-label");
    }
  else
    {
      markup = linkify (zv_message_get_text (message));
      gtk_widget_remove_css_class (GTK_WIDGET (self->text_label), "dim-label");
    }
  gtk_label_set_markup (self->text_label, markup);
  gtk_widget_set_visible (GTK_WIDGET (self->text_label), *markup != '\0');

  when = g_date_time_new_from_unix_local (zv_message_get_created_at (message) / 1000);
  /* TRANSLATORS: the time under a message; see the GDateTime format codes */
  time = when != NULL ? g_date_time_format (when, _("%H:%M")) : g_strdup ("");
  gtk_label_set_label (self->time_label, time);
  gtk_widget_set_visible (GTK_WIDGET (self->edited_label), zv_message_get_edited_at (message) != 0 && !deleted);

  gtk_widget_set_visible (GTK_WIDGET (self->state_image), outgoing);
  switch (state)
    {
    case ZV_MESSAGE_STATE_PENDING:
      gtk_image_set_from_icon_name (self->state_image, "document-open-recent-symbolic");
      state_text = _("Sending");
      break;
    case ZV_MESSAGE_STATE_FAILED:
      gtk_image_set_from_icon_name (self->state_image, "dialog-error-symbolic");
      state_text = _("Not sent");
      break;
    case ZV_MESSAGE_STATE_SENT:
    default:
      gtk_image_set_from_icon_name (self->state_image, "object-select-symbolic");
      state_text = outgoing ? _("Sent") : "";
      break;
    }
  gtk_widget_set_visible (GTK_WIDGET (self->retry_button), state == ZV_MESSAGE_STATE_FAILED);
  gtk_actionable_set_action_target (GTK_ACTIONABLE (self->retry_button), "x", zv_message_get_id (message));

  update_quote (self);
  update_reactions_and_files (self);

  /* A screen reader reads: "Anna Petrova: text, 14:05" (+ ", Sending" for own messages). */
  accessible = g_strdup_printf ("%s: %s, %s%s%s",
                                outgoing ? _("You") : zv_message_get_sender_name (message),
                                deleted ? _("Message deleted") : zv_message_get_text (message),
                                time, *state_text != '\0' ? ", " : "", state_text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible, -1);
}

ZvMessage *
zv_message_row_get_message (ZvMessageRow *self)
{
  g_return_val_if_fail (ZV_IS_MESSAGE_ROW (self), NULL);
  return self->message;
}

void
zv_message_row_set_message (ZvMessageRow *self,
                            ZvMessage    *message,
                            ZvMessage    *previous)
{
  g_return_if_fail (ZV_IS_MESSAGE_ROW (self));

  self->first_in_group = previous == NULL || message == NULL ||
                         zv_message_get_sender_id (previous) != zv_message_get_sender_id (message) ||
                         zv_message_get_created_at (message) - zv_message_get_created_at (previous) > GROUP_GAP_MS;
  g_set_object (&self->message, message);
  g_signal_group_set_target (self->message_signals, message);
  zv_message_row_update (self);
}

static void
zv_message_row_dispose (GObject *object)
{
  ZvMessageRow *self = ZV_MESSAGE_ROW (object);

  if (self->message_signals != NULL)
    g_signal_group_set_target (self->message_signals, NULL);
  g_clear_object (&self->message_signals);
  g_clear_object (&self->message);
  g_clear_object (&self->store);
  gtk_widget_dispose_template (GTK_WIDGET (self), ZV_TYPE_MESSAGE_ROW);

  G_OBJECT_CLASS (zv_message_row_parent_class)->dispose (object);
}

static void
zv_message_row_class_init (ZvMessageRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = zv_message_row_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, APPLICATION_PATH "/zv-message-row.ui");
  gtk_widget_class_bind_template_child (widget_class, ZvMessageRow, outer);
  gtk_widget_class_bind_template_child (widget_class, ZvMessageRow, sender_label);
  gtk_widget_class_bind_template_child (widget_class, ZvMessageRow, bubble);
  gtk_widget_class_bind_template_child (widget_class, ZvMessageRow, quote_box);
  gtk_widget_class_bind_template_child (widget_class, ZvMessageRow, quote_sender);
  gtk_widget_class_bind_template_child (widget_class, ZvMessageRow, quote_text);
  gtk_widget_class_bind_template_child (widget_class, ZvMessageRow, text_label);
  gtk_widget_class_bind_template_child (widget_class, ZvMessageRow, files_label);
  gtk_widget_class_bind_template_child (widget_class, ZvMessageRow, reactions_box);
  gtk_widget_class_bind_template_child (widget_class, ZvMessageRow, edited_label);
  gtk_widget_class_bind_template_child (widget_class, ZvMessageRow, time_label);
  gtk_widget_class_bind_template_child (widget_class, ZvMessageRow, state_image);
  gtk_widget_class_bind_template_child (widget_class, ZvMessageRow, retry_button);
}

static void
zv_message_row_init (ZvMessageRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->message_signals = g_signal_group_new (ZV_TYPE_MESSAGE);
  g_signal_group_connect_swapped (self->message_signals, "notify", G_CALLBACK (zv_message_row_update), self);
}

ZvMessageRow *
zv_message_row_new (ZvStore *store)
{
  ZvMessageRow *self = g_object_new (ZV_TYPE_MESSAGE_ROW, NULL);

  self->store = store != NULL ? g_object_ref (store) : NULL;
  return self;
}
