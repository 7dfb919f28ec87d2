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

#include "zv-file-download.h"
#include "zv-format.h"
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
  GtkWidget    *context_menu;    /* GtkPopoverMenu for right click and long press, made on demand */
  gint64        self_id;
  gboolean      first_in_group;
  gboolean      new_day;

  /* borrowed: template children */
  GtkBox       *outer;
  GtkLabel     *day_label;
  GtkLabel     *sender_label;
  GtkBox       *line;
  GtkBox       *bubble;
  GtkButton    *quote_button;
  GtkLabel     *quote_sender;
  GtkLabel     *quote_text;
  GtkLabel     *text_label;
  GtkBox       *files_box;
  GtkBox       *reactions_box;
  GtkLabel     *edited_label;
  GtkLabel     *time_label;
  GtkImage     *state_image;
  GtkMenuButton *menu_button;
  GtkButton    *retry_button;
};

G_DEFINE_FINAL_TYPE (ZvMessageRow, zv_message_row, ADW_TYPE_BIN)

/* The quick reactions of the action menu. */
static const char * const quick_reactions[] = { "👍", "❤️", "😂", "😮", "😢", "🙏" };

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

/* A phone number in a message calls it from the app's own phone (win.dial) instead of asking the
 * desktop for some tel: handler. */
static gboolean
text_link_cb (GtkLabel   *label,
              const char *uri,
              gpointer    user_data)
{
  if (!g_str_has_prefix (uri, "tel:"))
    return FALSE;
  return gtk_widget_activate_action (GTK_WIDGET (label), "win.dial", "s", uri);
}

static void
update_quote (ZvMessageRow *self)
{
  gint64 reply_to = zv_message_get_reply_to (self->message);
  ZvDb *db;
  sqlite3_stmt *stmt;
  g_autoptr(GError) error = NULL;
  g_autofree char *accessible = NULL;

  gtk_widget_set_visible (GTK_WIDGET (self->quote_button), reply_to != 0);
  if (reply_to == 0 || self->store == NULL)
    return;
  gtk_actionable_set_action_target (GTK_ACTIONABLE (self->quote_button), "x", reply_to);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->quote_button), "conversation.jump");

  /* One lookup by primary key: cheap enough for the main thread's reader. */
  db = zv_store_get_reader (self->store);
  stmt = zv_db_prepare (db, "SELECT u.name, m.text, m.deleted FROM messages m "
                            "LEFT JOIN users u ON u.id = m.sender_id WHERE m.id = ?1", &error);
  if (stmt == NULL)
    {
      g_warning ("reply quote: %s", error->message);
      gtk_widget_set_visible (GTK_WIDGET (self->quote_button), FALSE);
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
  /* TRANSLATORS: the accessible name of a reply's quote: who and what is quoted */
  accessible = g_strdup_printf (_("In reply to %s: %s"), gtk_label_get_label (self->quote_sender),
                                gtk_label_get_label (self->quote_text));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->quote_button), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible, -1);
}

static gboolean
array_has_int (JsonArray *array,
               gint64     value)
{
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    if (JSON_NODE_HOLDS_VALUE (json_array_get_element (array, i)) &&
        json_array_get_int_element (array, i) == value)
      return TRUE;
  return FALSE;
}

static void
update_reactions (ZvMessageRow *self,
                  JsonParser   *parser)
{
  gboolean sent = zv_message_get_state (self->message) == ZV_MESSAGE_STATE_SENT;
  GtkWidget *child;
  JsonNode *root;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->reactions_box))) != NULL)
    gtk_box_remove (self->reactions_box, child);

  if (!json_parser_load_from_data (parser, zv_message_get_reactions (self->message), -1, NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_ARRAY (root))
    return;

  for (guint i = 0; i < json_array_get_length (json_node_get_array (root)); i++)
    {
      JsonObject *reaction = json_array_get_object_element (json_node_get_array (root), i);
      JsonArray *users;
      const char *emoji;
      g_autofree char *text = NULL;
      g_autofree char *accessible = NULL;
      GtkWidget *pill;
      gboolean mine;
      guint count;

      if (reaction == NULL || !json_object_has_member (reaction, "emoji"))
        continue;
      emoji = json_object_get_string_member_with_default (reaction, "emoji", "");
      users = json_object_has_member (reaction, "user_ids") ? json_object_get_array_member (reaction, "user_ids") : NULL;
      count = users != NULL ? json_array_get_length (users) : 1;
      mine = array_has_int (users, self->self_id);
      text = g_strdup_printf ("%s %u", emoji, count);
      /* A pill is a button: clicking it adds one's own reaction, or takes it back. */
      pill = gtk_button_new_with_label (text);
      gtk_widget_add_css_class (pill, "zv-reaction");
      if (mine)
        gtk_widget_add_css_class (pill, "zv-mine");
      gtk_widget_set_sensitive (pill, sent);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (pill), "conversation.react");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (pill), "(xsb)", zv_message_get_id (self->message), emoji, !mine);
      accessible = mine ? g_strdup_printf (g_dngettext (NULL, "%s reaction from %u person, including you",
                                                        "%s reaction from %u people, including you", count), emoji, count)
                        : g_strdup_printf (g_dngettext (NULL, "%s reaction from %u person", "%s reaction from %u people", count),
                                           emoji, count);
      gtk_accessible_update_property (GTK_ACCESSIBLE (pill), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible, -1);
      gtk_widget_set_tooltip_text (pill, mine ? _("Remove your reaction") : _("Add the same reaction"));
      gtk_box_append (self->reactions_box, pill);
    }
}

static gboolean
is_image (JsonObject *file)
{
  const char *type = json_object_get_string_member_with_default (file, "content_type", "");
  const char *name = json_object_get_string_member_with_default (file, "name", "");
  g_autofree char *lower = g_ascii_strdown (name, -1);

  return g_str_has_prefix (type, "image/") || g_str_has_suffix (lower, ".png") ||
         g_str_has_suffix (lower, ".jpg") || g_str_has_suffix (lower, ".jpeg") ||
         g_str_has_suffix (lower, ".gif") || g_str_has_suffix (lower, ".webp");
}

/* Thumbnails are read on the main thread: only files small enough to decode in a frame or two. */
#define THUMBNAIL_MAX_BYTES (8 * 1024 * 1024)

static GtkWidget *
file_card_new (ZvMessageRow *self,
               JsonObject   *file)
{
  const char *name = json_object_get_string_member_with_default (file, "name", "?");
  gint64 size = json_object_get_int_member_with_default (file, "size", 0);
  gint64 file_id = json_object_get_int_member_with_default (file, "id", 0);
  const char *local = json_object_get_string_member_with_default (file, "path", NULL);
  gboolean sent = zv_message_get_state (self->message) == ZV_MESSAGE_STATE_SENT && file_id > 0;
  g_autofree char *size_text = g_format_size ((guint64) MAX (size, 0));
  g_autofree char *detail = NULL;
  g_autofree char *accessible = NULL;
  g_autofree char *thumbnail = NULL;
  GtkWidget *card = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 10);
  GtkWidget *texts = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *name_label = gtk_label_new (name);
  GtkWidget *detail_label;
  GtkWidget *icon;

  gtk_widget_add_css_class (card, "zv-file-card");

  /* An image shows itself: from the sender's own disk while it uploads, from the cache once opened. */
  if (is_image (file) && size <= THUMBNAIL_MAX_BYTES)
    {
      if (local != NULL && g_file_test (local, G_FILE_TEST_IS_REGULAR))
        thumbnail = g_strdup (local);
      else if (file_id > 0)
        {
          g_autofree char *cached = zv_file_download_cache_path (file_id, name);

          if (g_file_test (cached, G_FILE_TEST_IS_REGULAR))
            thumbnail = g_steal_pointer (&cached);
          else if (sent)
            gtk_widget_activate_action (GTK_WIDGET (self), "conversation.fetch-thumbnail", "(xs)", file_id, name);
        }
    }
  if (thumbnail != NULL)
    {
      GtkWidget *picture = gtk_picture_new_for_filename (thumbnail);

      gtk_picture_set_can_shrink (GTK_PICTURE (picture), TRUE);
      gtk_picture_set_content_fit (GTK_PICTURE (picture), GTK_CONTENT_FIT_COVER);
      gtk_widget_set_size_request (picture, 240, 160);
      gtk_widget_add_css_class (picture, "zv-thumbnail");
      gtk_accessible_update_property (GTK_ACCESSIBLE (picture), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
      gtk_box_append (GTK_BOX (card), picture);
    }

  icon = gtk_image_new_from_icon_name (is_image (file) ? "image-x-generic-symbolic" : "text-x-generic-symbolic");
  gtk_image_set_pixel_size (GTK_IMAGE (icon), 24);
  gtk_widget_add_css_class (icon, "zv-file-icon");
  gtk_box_append (GTK_BOX (row), icon);

  gtk_label_set_xalign (GTK_LABEL (name_label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (name_label), PANGO_ELLIPSIZE_MIDDLE);
  gtk_label_set_max_width_chars (GTK_LABEL (name_label), 32);
  gtk_widget_add_css_class (name_label, "heading");
  gtk_box_append (GTK_BOX (texts), name_label);

  if (!sent && zv_message_get_state (self->message) == ZV_MESSAGE_STATE_PENDING)
    {
      gint64 uploaded = json_object_get_int_member_with_default (file, "uploaded", 0);
      g_autofree char *done = g_format_size ((guint64) MAX (uploaded, 0));
      GtkWidget *bar = gtk_progress_bar_new ();

      /* TRANSLATORS: upload progress of a file: "1.2 MB of 4.0 MB" */
      detail = g_strdup_printf (_("%s of %s"), done, size_text);
      gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (bar), size > 0 ? CLAMP ((double) uploaded / (double) size, 0, 1) : 0);
      gtk_accessible_update_property (GTK_ACCESSIBLE (bar), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Upload progress"), -1);
      gtk_box_append (GTK_BOX (card), bar);
    }
  else
    detail = g_strdup (size_text);
  detail_label = gtk_label_new (detail);
  gtk_label_set_xalign (GTK_LABEL (detail_label), 0);
  gtk_widget_add_css_class (detail_label, "caption");
  gtk_widget_add_css_class (detail_label, "dim-label");
  gtk_widget_add_css_class (detail_label, "numeric");
  gtk_box_append (GTK_BOX (texts), detail_label);
  gtk_widget_set_hexpand (texts, TRUE);
  gtk_box_append (GTK_BOX (row), texts);

  if (sent)
    {
      GtkWidget *open = gtk_button_new_from_icon_name ("document-open-symbolic");
      GtkWidget *save = gtk_button_new_from_icon_name ("document-save-symbolic");
      g_autofree char *open_name = g_strdup_printf (_("Open “%s”"), name);
      g_autofree char *save_name = g_strdup_printf (_("Save “%s”"), name);

      gtk_widget_set_valign (open, GTK_ALIGN_CENTER);
      gtk_widget_set_valign (save, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (open, "flat");
      gtk_widget_add_css_class (save, "flat");
      gtk_widget_add_css_class (open, "circular");
      gtk_widget_add_css_class (save, "circular");
      gtk_widget_set_tooltip_text (open, _("Open"));
      gtk_widget_set_tooltip_text (save, _("Save As…"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (open), GTK_ACCESSIBLE_PROPERTY_LABEL, open_name, -1);
      gtk_accessible_update_property (GTK_ACCESSIBLE (save), GTK_ACCESSIBLE_PROPERTY_LABEL, save_name, -1);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (open), "conversation.open-file");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (open), "(xs)", file_id, name);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (save), "conversation.save-file");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (save), "(xs)", file_id, name);
      gtk_box_append (GTK_BOX (row), open);
      gtk_box_append (GTK_BOX (row), save);
    }
  gtk_box_prepend (GTK_BOX (card), row);
  if (thumbnail != NULL)
    gtk_box_reorder_child_after (GTK_BOX (card), row, gtk_widget_get_last_child (card) != row ?
                                 gtk_widget_get_next_sibling (row) : NULL);

  /* TRANSLATORS: the accessible name of a file card: the file's name and size */
  accessible = g_strdup_printf (_("File %s, %s"), name, detail);
  gtk_accessible_update_property (GTK_ACCESSIBLE (card), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible, -1);
  return card;
}

static void
update_files (ZvMessageRow *self,
              JsonParser   *parser)
{
  GtkWidget *child;
  JsonNode *root;
  gboolean any = FALSE;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->files_box))) != NULL)
    gtk_box_remove (self->files_box, child);

  if (!zv_message_get_deleted (self->message) &&
      json_parser_load_from_data (parser, zv_message_get_attachments (self->message), -1, NULL) &&
      (root = json_parser_get_root (parser)) != NULL && JSON_NODE_HOLDS_ARRAY (root))
    for (guint i = 0; i < json_array_get_length (json_node_get_array (root)); i++)
      {
        JsonObject *file = json_array_get_object_element (json_node_get_array (root), i);

        if (file == NULL)
          continue;
        gtk_box_append (self->files_box, file_card_new (self, file));
        any = TRUE;
      }
  gtk_widget_set_visible (GTK_WIDGET (self->files_box), any);
}

/* "Today", "Yesterday", a weekday within the week, else the date (with the year if not this one). */
static char *
day_title (GDateTime *when)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) today = g_date_time_new_local (g_date_time_get_year (now), g_date_time_get_month (now),
                                                      g_date_time_get_day_of_month (now), 0, 0, 0);
  g_autoptr(GDateTime) day = g_date_time_new_local (g_date_time_get_year (when), g_date_time_get_month (when),
                                                    g_date_time_get_day_of_month (when), 0, 0, 0);
  /* Days, not 24-hour spans: a DST change must not move "Yesterday". */
  gint64 days = (g_date_time_difference (today, day) + G_TIME_SPAN_HOUR * 12) / G_TIME_SPAN_DAY;

  if (days == 0)
    return g_strdup (_("Today"));
  if (days == 1)
    return g_strdup (_("Yesterday"));
  if (days > 1 && days < 7)
    return zv_format_date (when, "%A");
  if (g_date_time_get_year (when) == g_date_time_get_year (now))
    /* TRANSLATORS: a day separator in a conversation, this year; see the GDateTime format codes */
    return zv_format_date (when, _("%B %e"));
  /* TRANSLATORS: a day separator in a conversation, an earlier year; see the GDateTime format codes */
  return zv_format_date (when, _("%B %e, %Y"));
}

static gboolean
same_day (gint64 a_ms,
          gint64 b_ms)
{
  g_autoptr(GDateTime) a = g_date_time_new_from_unix_local (a_ms / 1000);
  g_autoptr(GDateTime) b = g_date_time_new_from_unix_local (b_ms / 1000);

  return a != NULL && b != NULL && g_date_time_get_year (a) == g_date_time_get_year (b) &&
         g_date_time_get_day_of_year (a) == g_date_time_get_day_of_year (b);
}

static void
zv_message_row_update (ZvMessageRow *self)
{
  g_autoptr(JsonParser) parser = NULL;
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

  parser = json_parser_new ();
  outgoing = zv_message_get_outgoing (message);
  deleted = zv_message_get_deleted (message);
  state = zv_message_get_state (message);
  when = g_date_time_new_from_unix_local (zv_message_get_created_at (message) / 1000);

  gtk_widget_set_visible (GTK_WIDGET (self->day_label), self->new_day && when != NULL);
  if (self->new_day && when != NULL)
    {
      g_autofree char *day = day_title (when);

      gtk_label_set_label (self->day_label, day);
    }

  gtk_widget_set_halign (GTK_WIDGET (self->line), outgoing ? GTK_ALIGN_END : GTK_ALIGN_START);
  gtk_widget_set_margin_start (GTK_WIDGET (self->line), outgoing ? 48 : 0);
  gtk_widget_set_margin_end (GTK_WIDGET (self->line), outgoing ? 0 : 48);
  /* The menu button sits on the bubble's inner side: left of one's own, right of others'. */
  if (outgoing)
    gtk_box_reorder_child_after (self->line, GTK_WIDGET (self->bubble), GTK_WIDGET (self->menu_button));
  else
    gtk_box_reorder_child_after (self->line, GTK_WIDGET (self->menu_button), GTK_WIDGET (self->bubble));
  if (outgoing)
    gtk_widget_add_css_class (GTK_WIDGET (self->bubble), "zv-own");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->bubble), "zv-own");

  gtk_widget_set_visible (GTK_WIDGET (self->sender_label), (self->first_in_group || self->new_day) && !outgoing);
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
      /* Read: another member's read marker reached it (the double tick of every messenger). */
      if (outgoing && zv_message_get_read (message))
        {
          gtk_image_set_from_icon_name (self->state_image, "zv-read-symbolic");
          state_text = _("Read");
        }
      else
        {
          gtk_image_set_from_icon_name (self->state_image, "object-select-symbolic");
          state_text = outgoing ? _("Sent") : "";
        }
      break;
    }
  if (outgoing && state == ZV_MESSAGE_STATE_SENT && zv_message_get_read (message))
    gtk_widget_add_css_class (GTK_WIDGET (self->state_image), "zv-read");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->state_image), "zv-read");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->state_image), state_text);
  if (outgoing)
    gtk_accessible_update_property (GTK_ACCESSIBLE (self->state_image), GTK_ACCESSIBLE_PROPERTY_LABEL, state_text, -1);
  gtk_widget_set_visible (GTK_WIDGET (self->retry_button), state == ZV_MESSAGE_STATE_FAILED);
  /* Target first, then the name: an action name without its int64 target is a type mismatch. */
  gtk_actionable_set_action_target (GTK_ACTIONABLE (self->retry_button), "x", zv_message_get_id (message));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->retry_button), "conversation.retry");
  /* Nothing to do with a deleted message, nor with one the server has not got yet. */
  gtk_widget_set_visible (GTK_WIDGET (self->menu_button), !deleted && state == ZV_MESSAGE_STATE_SENT);

  update_quote (self);
  update_reactions (self, parser);
  update_files (self, parser);

  /* A screen reader reads: "Anna Petrova: text, 14:05" (+ ", Sending" for own messages). */
  accessible = g_strdup_printf ("%s: %s, %s%s%s",
                                outgoing ? _("You") : zv_message_get_sender_name (message),
                                deleted ? _("Message deleted") : zv_message_get_text (message),
                                time, *state_text != '\0' ? ", " : "", state_text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible, -1);
}

/* ---- the action menu -------------------------------------------------------------------------- */

static void
append_action (GMenu      *menu,
               const char *label,
               const char *action,
               GVariant   *target)
{
  g_autoptr(GMenuItem) item = g_menu_item_new (label, NULL);

  g_menu_item_set_action_and_target_value (item, action, target);
  g_menu_append_item (menu, item);
}

static GMenuModel *
build_menu (ZvMessageRow *self)
{
  GMenu *menu = g_menu_new ();
  g_autoptr(GMenu) reactions = g_menu_new ();
  g_autoptr(GMenu) main_section = g_menu_new ();
  g_autoptr(GMenu) own = g_menu_new ();
  gint64 id = zv_message_get_id (self->message);

  for (guint i = 0; i < G_N_ELEMENTS (quick_reactions); i++)
    {
      g_autofree char *label = g_strdup_printf (_("React with %s"), quick_reactions[i]);

      append_action (reactions, label, "conversation.react", g_variant_new ("(xsb)", id, quick_reactions[i], TRUE));
    }
  append_action (reactions, _("Other Reaction…"), "conversation.react-other", g_variant_new_int64 (id));
  g_menu_append_submenu (menu, _("React"), G_MENU_MODEL (reactions));

  append_action (main_section, _("Reply"), "conversation.reply", g_variant_new_int64 (id));
  append_action (main_section, _("Copy Text"), "conversation.copy-text", g_variant_new_int64 (id));
  append_action (main_section, _("Copy Link"), "conversation.copy-link", g_variant_new_int64 (id));
  g_menu_append_section (menu, NULL, G_MENU_MODEL (main_section));

  if (zv_message_get_outgoing (self->message))
    {
      append_action (own, _("Edit"), "conversation.edit", g_variant_new_int64 (id));
      append_action (own, _("Delete…"), "conversation.delete", g_variant_new_int64 (id));
      g_menu_append_section (menu, NULL, G_MENU_MODEL (own));
    }
  return G_MENU_MODEL (menu);
}

static void
create_popup_cb (GtkMenuButton *button,
                 gpointer       user_data)
{
  ZvMessageRow *self = user_data;
  g_autoptr(GMenuModel) menu = NULL;

  if (self->message == NULL)
    return;
  menu = build_menu (self);
  gtk_menu_button_set_menu_model (button, menu);
}

static void
popup_context_menu (ZvMessageRow *self,
                    double        x,
                    double        y)
{
  g_autoptr(GMenuModel) menu = NULL;
  GdkRectangle at = { (int) x, (int) y, 1, 1 };

  if (self->message == NULL || !gtk_widget_get_visible (GTK_WIDGET (self->menu_button)))
    return;
  menu = build_menu (self);
  if (self->context_menu == NULL)
    {
      self->context_menu = gtk_popover_menu_new_from_model (menu);
      gtk_widget_set_parent (self->context_menu, GTK_WIDGET (self));
      gtk_popover_set_has_arrow (GTK_POPOVER (self->context_menu), FALSE);
      gtk_widget_set_halign (self->context_menu, GTK_ALIGN_START);
    }
  else
    gtk_popover_menu_set_menu_model (GTK_POPOVER_MENU (self->context_menu), menu);
  gtk_popover_set_pointing_to (GTK_POPOVER (self->context_menu), &at);
  gtk_popover_popup (GTK_POPOVER (self->context_menu));
}

static void
right_click_cb (GtkGestureClick *gesture,
                int              n_press,
                double           x,
                double           y,
                ZvMessageRow    *self)
{
  popup_context_menu (self, x, y);
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
}

static void
long_press_cb (GtkGestureLongPress *gesture,
               double               x,
               double               y,
               ZvMessageRow        *self)
{
  popup_context_menu (self, x, y);
}

static void
hover_cb (ZvMessageRow *self)
{
  gtk_widget_set_opacity (GTK_WIDGET (self->menu_button), 1);
}

static void
unhover_cb (ZvMessageRow *self)
{
  /* Kept while its menu is open, or the button would vanish under the popover. */
  GtkPopover *popover = gtk_menu_button_get_popover (self->menu_button);

  if (popover == NULL || !gtk_widget_get_visible (GTK_WIDGET (popover)))
    gtk_widget_set_opacity (GTK_WIDGET (self->menu_button), 0);
}

/* ---- public ----------------------------------------------------------------------------------- */

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

  self->new_day = message != NULL &&
                  (previous == NULL || !same_day (zv_message_get_created_at (previous), zv_message_get_created_at (message)));
  self->first_in_group = previous == NULL || message == NULL ||
                         zv_message_get_sender_id (previous) != zv_message_get_sender_id (message) ||
                         zv_message_get_created_at (message) - zv_message_get_created_at (previous) > GROUP_GAP_MS;
  g_set_object (&self->message, message);
  g_signal_group_set_target (self->message_signals, message);
  if (self->context_menu != NULL)
    gtk_popover_popdown (GTK_POPOVER (self->context_menu));
  gtk_widget_set_opacity (GTK_WIDGET (self->menu_button), 0);
  zv_message_row_update (self);
}

/**
 * zv_message_row_refresh:
 *
 * Rebuilds the row from its message (a thumbnail arrived in the cache).
 */
void
zv_message_row_refresh (ZvMessageRow *self)
{
  g_return_if_fail (ZV_IS_MESSAGE_ROW (self));
  zv_message_row_update (self);
}

/**
 * zv_message_row_set_highlighted:
 *
 * Tints the row for a moment: the message a quote or a search result jumped to.
 */
void
zv_message_row_set_highlighted (ZvMessageRow *self,
                                gboolean      highlighted)
{
  g_return_if_fail (ZV_IS_MESSAGE_ROW (self));

  if (highlighted)
    gtk_widget_add_css_class (GTK_WIDGET (self), "zv-highlight");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "zv-highlight");
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
  g_clear_pointer (&self->context_menu, gtk_widget_unparent);
  /* AdwBin unparents the template root itself; gtk_widget_dispose_template() would do it twice. */

  G_OBJECT_CLASS (zv_message_row_parent_class)->dispose (object);
}

static void
zv_message_row_size_allocate (GtkWidget *widget,
                              int        width,
                              int        height,
                              int        baseline)
{
  ZvMessageRow *self = ZV_MESSAGE_ROW (widget);

  GTK_WIDGET_CLASS (zv_message_row_parent_class)->size_allocate (widget, width, height, baseline);
  if (self->context_menu != NULL)
    gtk_popover_present (GTK_POPOVER (self->context_menu));
}

static void
zv_message_row_class_init (ZvMessageRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = zv_message_row_dispose;
  widget_class->size_allocate = zv_message_row_size_allocate;

  gtk_widget_class_set_template_from_resource (widget_class, APPLICATION_PATH "/zv-message-row.ui");
  gtk_widget_class_bind_template_child (widget_class, ZvMessageRow, outer);
  gtk_widget_class_bind_template_child (widget_class, ZvMessageRow, day_label);
  gtk_widget_class_bind_template_child (widget_class, ZvMessageRow, sender_label);
  gtk_widget_class_bind_template_child (widget_class, ZvMessageRow, line);
  gtk_widget_class_bind_template_child (widget_class, ZvMessageRow, bubble);
  gtk_widget_class_bind_template_child (widget_class, ZvMessageRow, quote_button);
  gtk_widget_class_bind_template_child (widget_class, ZvMessageRow, quote_sender);
  gtk_widget_class_bind_template_child (widget_class, ZvMessageRow, quote_text);
  gtk_widget_class_bind_template_child (widget_class, ZvMessageRow, text_label);
  gtk_widget_class_bind_template_child (widget_class, ZvMessageRow, files_box);
  gtk_widget_class_bind_template_child (widget_class, ZvMessageRow, reactions_box);
  gtk_widget_class_bind_template_child (widget_class, ZvMessageRow, edited_label);
  gtk_widget_class_bind_template_child (widget_class, ZvMessageRow, time_label);
  gtk_widget_class_bind_template_child (widget_class, ZvMessageRow, state_image);
  gtk_widget_class_bind_template_child (widget_class, ZvMessageRow, menu_button);
  gtk_widget_class_bind_template_child (widget_class, ZvMessageRow, retry_button);
}

static void
zv_message_row_init (ZvMessageRow *self)
{
  GtkGesture *click;
  GtkGesture *press;
  GtkEventController *motion;

  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect (self->text_label, "activate-link", G_CALLBACK (text_link_cb), NULL);

  self->message_signals = g_signal_group_new (ZV_TYPE_MESSAGE);
  g_signal_group_connect_swapped (self->message_signals, "notify", G_CALLBACK (zv_message_row_update), self);

  gtk_menu_button_set_create_popup_func (self->menu_button, create_popup_cb, self, NULL);

  click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_SECONDARY);
  g_signal_connect (click, "pressed", G_CALLBACK (right_click_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->bubble), GTK_EVENT_CONTROLLER (click));

  press = gtk_gesture_long_press_new ();
  gtk_gesture_single_set_touch_only (GTK_GESTURE_SINGLE (press), TRUE);
  g_signal_connect (press, "pressed", G_CALLBACK (long_press_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->bubble), GTK_EVENT_CONTROLLER (press));

  motion = gtk_event_controller_motion_new ();
  g_signal_connect_swapped (motion, "enter", G_CALLBACK (hover_cb), self);
  g_signal_connect_swapped (motion, "leave", G_CALLBACK (unhover_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);
}

ZvMessageRow *
zv_message_row_new (ZvStore *store,
                    gint64   self_id)
{
  ZvMessageRow *self = g_object_new (ZV_TYPE_MESSAGE_ROW, NULL);

  self->store = store != NULL ? g_object_ref (store) : NULL;
  self->self_id = self_id;
  return self;
}
