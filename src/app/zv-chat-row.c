/* zv-chat-row.c: ZvChatRow, the sidebar's view of one ZvChat. The list recycles rows, so a row
 * follows whichever chat it is given and re-reads it on every change of that chat.
 *
 * The row also carries the chat's context menu (right click, long press, the Menu key or Shift+F10
 * on the focused row): Mark as Read, Mute/Unmute, Pin/Unpin. Muting and pinning are written to the
 * cache at once (the list reorders and the icons change before the network answers) and sent with
 * PATCH /chats/{id}/settings; a refusal puts the old value back and says so in a toast. The actions
 * live on the row and the key binding on the list view, so the window needs to know nothing. */
#define G_LOG_DOMAIN "zveno"

#include "config.h"

#include <glib/gi18n.h>

#include "zv-chat-row.h"
#include "zv-format.h"
#include "zv-sign-in-page.h"

struct _ZvChatRow
{
  AdwBin          parent_instance;

  /* owned */
  ZvChat         *chat;
  GSignalGroup   *chat_signals;
  ZvSession      *session;
  GMenu          *menu;
  GtkWidget      *popover;

  /* borrowed: template children */
  AdwAvatar      *avatar;
  GtkLabel       *title_label;
  GtkLabel       *time_label;
  GtkLabel       *preview_label;
  GtkLabel       *unread_label;
  GtkLabel       *external_label;
  GtkImage       *muted_icon;
  GtkImage       *pinned_icon;
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
    return zv_format_date (local, _("%a"));
  if (g_date_time_get_year (local) == g_date_time_get_year (current))
    /* TRANSLATORS: a date of this year in the chat list: day and abbreviated month */
    return zv_format_date (local, _("%-d %b"));
  /* TRANSLATORS: a date of an earlier year in the chat list */
  return g_date_time_format (local, _("%d.%m.%Y"));
}

/* ---- context menu -------------------------------------------------------------------------------- */

static void
update_actions (ZvChatRow *self)
{
  gboolean usable = self->chat != NULL && self->session != NULL &&
                    zv_session_get_account (self->session) != NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "chat-row.mark-read",
                                 usable && zv_chat_get_unread (self->chat) > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "chat-row.toggle-mute", usable);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "chat-row.toggle-pin", usable);
}

/* One muted/pinned change on its way: applied to the cache, sent, rolled back if refused. */
typedef struct {
  ZvAccount *account;
  ZvStore   *store;
  GtkWidget *toast_overlay;   /* weak */
  gint64     chat_id;
  char      *title;
  char      *field;           /* "muted" or "pinned" */
  gboolean   value;
} SettingChange;

static void
setting_change_free (SettingChange *change)
{
  g_clear_object (&change->account);
  g_clear_object (&change->store);
  g_clear_weak_pointer (&change->toast_overlay);
  g_free (change->title);
  g_free (change->field);
  g_free (change);
}

static gboolean
write_settings (ZvDb            *db,
                gpointer         data,
                ZvStoreChanges  *changes,
                GError         **error)
{
  gboolean known;

  return zv_sync_apply_chat_settings (db, data, changes, &known, error);
}

static void
settings_written_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!zv_store_write_finish (ZV_STORE (object), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_warning ("Could not store a chat's settings: %s", error->message);
}

static void
store_settings (ZvStore    *store,
                JsonObject *settings)
{
  zv_store_write_async (store, write_settings, json_object_ref (settings), (GDestroyNotify) json_object_unref,
                        NULL, settings_written_cb, NULL);
}

static char *
describe_failure (const char *field,
                  gboolean    value,
                  const char *title,
                  const char *reason)
{
  /* Translators: toasts; the first %s is the chat, the second what went wrong */
  if (g_str_equal (field, "muted"))
    return value ? g_strdup_printf (_("Could not mute “%s”: %s"), title, reason)
                 : g_strdup_printf (_("Could not unmute “%s”: %s"), title, reason);
  return value ? g_strdup_printf (_("Could not pin “%s”: %s"), title, reason)
               : g_strdup_printf (_("Could not unpin “%s”: %s"), title, reason);
}

static void
settings_sent_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  SettingChange *change = user_data;
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(JsonObject) settings = json_object_new ();
  g_autoptr(GError) error = NULL;

  json_object_set_int_member (settings, "chat_id", change->chat_id);
  answer = zv_account_call_finish (ZV_ACCOUNT (object), result, &error);
  if (answer != NULL && JSON_NODE_HOLDS_OBJECT (answer))
    {
      JsonObject *chat = json_node_get_object (answer);

      /* The server's answer is the truth (another device may have changed the other flag). */
      json_object_set_boolean_member (settings, "muted",
                                      json_object_get_boolean_member_with_default (chat, "muted", FALSE));
      json_object_set_boolean_member (settings, "pinned",
                                      json_object_get_boolean_member_with_default (chat, "pinned", FALSE));
      store_settings (change->store, settings);
    }
  else
    {
      json_object_set_boolean_member (settings, change->field, !change->value);
      store_settings (change->store, settings);
      if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
          change->toast_overlay != NULL)
        {
          g_autofree char *reason = zv_sign_in_page_describe_error (error);
          g_autofree char *text = describe_failure (change->field, change->value, change->title, reason);
          AdwToast *toast = adw_toast_new (text);

          adw_toast_set_timeout (toast, 6);
          adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (change->toast_overlay), toast);
        }
    }
  setting_change_free (change);
}

static void
change_setting (ZvChatRow  *self,
                const char *field,
                gboolean    value)
{
  ZvAccount *account = self->session != NULL ? zv_session_get_account (self->session) : NULL;
  ZvStore *store = account != NULL ? zv_account_get_store (account) : NULL;
  g_autoptr(JsonObject) settings = json_object_new ();
  g_autoptr(JsonNode) body = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonObject) request = json_object_new ();
  g_autofree char *path = NULL;
  SettingChange *change;

  if (self->chat == NULL || store == NULL)
    return;

  json_object_set_int_member (settings, "chat_id", zv_chat_get_id (self->chat));
  json_object_set_boolean_member (settings, field, value);
  store_settings (store, settings);

  change = g_new0 (SettingChange, 1);
  change->account = g_object_ref (account);
  change->store = g_object_ref (store);
  g_set_weak_pointer (&change->toast_overlay, gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY));
  change->chat_id = zv_chat_get_id (self->chat);
  change->title = g_strdup (zv_chat_get_title (self->chat));
  change->field = g_strdup (field);
  change->value = value;

  json_object_set_boolean_member (request, field, value);
  json_node_set_object (body, request);
  path = g_strdup_printf ("/chats/%" G_GINT64_FORMAT "/settings", change->chat_id);
  zv_account_call_async (account, "PATCH", path, body, NULL, settings_sent_cb, change);
}

static void
zv_chat_row_mark_read_action (GtkWidget  *widget,
                              const char *action_name,
                              GVariant   *parameter)
{
  ZvChatRow *self = ZV_CHAT_ROW (widget);

  if (self->chat != NULL && self->session != NULL)
    zv_session_mark_read (self->session, zv_chat_get_id (self->chat));
}

static void
zv_chat_row_toggle_mute_action (GtkWidget  *widget,
                                const char *action_name,
                                GVariant   *parameter)
{
  ZvChatRow *self = ZV_CHAT_ROW (widget);

  if (self->chat != NULL)
    change_setting (self, "muted", !zv_chat_get_muted (self->chat));
}

static void
zv_chat_row_toggle_pin_action (GtkWidget  *widget,
                               const char *action_name,
                               GVariant   *parameter)
{
  ZvChatRow *self = ZV_CHAT_ROW (widget);

  if (self->chat != NULL)
    change_setting (self, "pinned", !zv_chat_get_pinned (self->chat));
}

void
zv_chat_row_popup_menu (ZvChatRow *self,
                        double     x,
                        double     y)
{
  g_return_if_fail (ZV_IS_CHAT_ROW (self));

  if (self->chat == NULL)
    return;
  /* The labels say what choosing them will do. */
  g_menu_remove_all (self->menu);
  g_menu_append (self->menu, C_("chat", "Mark as Read"), "chat-row.mark-read");
  g_menu_append (self->menu, zv_chat_get_muted (self->chat) ? C_("chat", "Unmute") : C_("chat", "Mute"), "chat-row.toggle-mute");
  g_menu_append (self->menu, zv_chat_get_pinned (self->chat) ? C_("chat", "Unpin") : C_("chat", "Pin"), "chat-row.toggle-pin");
  update_actions (self);

  if (self->popover == NULL)
    {
      self->popover = gtk_popover_menu_new_from_model (G_MENU_MODEL (self->menu));
      gtk_popover_set_has_arrow (GTK_POPOVER (self->popover), FALSE);
      gtk_widget_set_halign (self->popover, GTK_ALIGN_START);
      gtk_widget_set_parent (self->popover, GTK_WIDGET (self));
    }
  if (x >= 0 && y >= 0)
    gtk_popover_set_pointing_to (GTK_POPOVER (self->popover), &(GdkRectangle) { (int) x, (int) y, 1, 1 });
  else
    gtk_popover_set_pointing_to (GTK_POPOVER (self->popover),
                                 &(GdkRectangle) { 24, gtk_widget_get_height (GTK_WIDGET (self)) - 4, 1, 1 });
  gtk_popover_popup (GTK_POPOVER (self->popover));
}

static void
secondary_click_cb (GtkGestureClick *gesture,
                    int              n_press,
                    double           x,
                    double           y,
                    ZvChatRow       *self)
{
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  zv_chat_row_popup_menu (self, x, y);
}

static void
long_press_cb (GtkGestureLongPress *gesture,
               double               x,
               double               y,
               ZvChatRow           *self)
{
  zv_chat_row_popup_menu (self, x, y);
}

/* The Menu key on the list view: the focused item's child is a ZvChatRow. */
static gboolean
list_menu_key_cb (GtkWidget *list_view,
                  GVariant  *args,
                  gpointer   user_data)
{
  GtkRoot *root = gtk_widget_get_root (list_view);
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;

  for (; focus != NULL && focus != list_view; focus = gtk_widget_get_parent (focus))
    {
      GtkWidget *child = gtk_widget_get_first_child (focus);

      if (ZV_IS_CHAT_ROW (focus))
        child = focus;
      if (child != NULL && ZV_IS_CHAT_ROW (child))
        {
          zv_chat_row_popup_menu (ZV_CHAT_ROW (child), -1, -1);
          return TRUE;
        }
    }
  return FALSE;
}

static void
zv_chat_row_root (GtkWidget *widget)
{
  GtkWidget *list_view;

  GTK_WIDGET_CLASS (zv_chat_row_parent_class)->root (widget);

  /* Keys go to the focused list item, which is this row's parent: the binding sits on the list. */
  list_view = gtk_widget_get_ancestor (widget, GTK_TYPE_LIST_VIEW);
  if (list_view != NULL && g_object_get_data (G_OBJECT (list_view), "zv-chat-row-menu-key") == NULL)
    {
      GtkEventController *controller = gtk_shortcut_controller_new ();
      GtkShortcutAction *action = gtk_callback_action_new (list_menu_key_cb, NULL, NULL);
      GtkShortcutTrigger *trigger = gtk_alternative_trigger_new (gtk_keyval_trigger_new (GDK_KEY_Menu, 0),
                                                                 gtk_keyval_trigger_new (GDK_KEY_F10, GDK_SHIFT_MASK));

      gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (controller), gtk_shortcut_new (trigger, action));
      gtk_widget_add_controller (list_view, controller);
      g_object_set_data (G_OBJECT (list_view), "zv-chat-row-menu-key", GINT_TO_POINTER (1));
    }
}

static void
zv_chat_row_size_allocate (GtkWidget *widget,
                           int        width,
                           int        height,
                           int        baseline)
{
  ZvChatRow *self = ZV_CHAT_ROW (widget);

  GTK_WIDGET_CLASS (zv_chat_row_parent_class)->size_allocate (widget, width, height, baseline);
  /* A popover child is positioned by its parent's allocation. */
  if (self->popover != NULL)
    gtk_popover_present (GTK_POPOVER (self->popover));
}

void
zv_chat_row_set_session (ZvChatRow *self,
                         ZvSession *session)
{
  g_return_if_fail (ZV_IS_CHAT_ROW (self));
  g_return_if_fail (session == NULL || ZV_IS_SESSION (session));

  if (g_set_object (&self->session, session))
    update_actions (self);
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
  gtk_widget_set_visible (GTK_WIDGET (self->external_label), zv_chat_get_external (self->chat));
  gtk_widget_set_visible (GTK_WIDGET (self->muted_icon), zv_chat_get_muted (self->chat));
  /* A muted chat's count is there but quiet: grey instead of the accent. */
  if (zv_chat_get_muted (self->chat))
    gtk_widget_add_css_class (GTK_WIDGET (self->unread_label), "zv-muted");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->unread_label), "zv-muted");
  gtk_widget_set_visible (GTK_WIDGET (self->pinned_icon), zv_chat_get_pinned (self->chat));

  {
    g_autoptr(GString) name = g_string_new (title);

    /* Screen readers hear what the icons show. */
    if (zv_chat_get_pinned (self->chat))
      g_string_append_printf (name, ", %s", C_("chat", "Pinned"));
    if (zv_chat_get_muted (self->chat))
      g_string_append_printf (name, ", %s", C_("chat", "Muted"));
    if (zv_chat_get_external (self->chat))
      g_string_append_printf (name, ", %s", _("with external people"));
    if (n_unread > 0)
      accessible = g_strdup_printf (g_dngettext (NULL, "%s, %u unread message", "%s, %u unread messages", n_unread),
                                    name->str, n_unread);
    else
      accessible = g_strdup (name->str);
  }
  update_actions (self);
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
  g_clear_object (&self->session);
  g_clear_pointer (&self->popover, gtk_widget_unparent);
  g_clear_object (&self->menu);
  /* AdwBin unparents the template root itself; gtk_widget_dispose_template() would do it twice. */

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
  widget_class->root = zv_chat_row_root;
  widget_class->size_allocate = zv_chat_row_size_allocate;

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
  gtk_widget_class_bind_template_child (widget_class, ZvChatRow, external_label);
  gtk_widget_class_bind_template_child (widget_class, ZvChatRow, muted_icon);
  gtk_widget_class_bind_template_child (widget_class, ZvChatRow, pinned_icon);

  gtk_widget_class_install_action (widget_class, "chat-row.mark-read", NULL, zv_chat_row_mark_read_action);
  gtk_widget_class_install_action (widget_class, "chat-row.toggle-mute", NULL, zv_chat_row_toggle_mute_action);
  gtk_widget_class_install_action (widget_class, "chat-row.toggle-pin", NULL, zv_chat_row_toggle_pin_action);
}

static void
zv_chat_row_init (ZvChatRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->chat_signals = g_signal_group_new (ZV_TYPE_CHAT);
  g_signal_group_connect_swapped (self->chat_signals, "notify", G_CALLBACK (zv_chat_row_update), self);

  /* The popover is made when the menu first opens: the list keeps ~200 rows, and a popover menu
   * each was megabytes of widgets nobody had opened (and a present() on every allocation). */
  self->menu = g_menu_new ();

  {
    GtkGesture *click = gtk_gesture_click_new ();
    GtkGesture *press = gtk_gesture_long_press_new ();

    gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_SECONDARY);
    g_signal_connect (click, "pressed", G_CALLBACK (secondary_click_cb), self);
    gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));
    gtk_gesture_single_set_touch_only (GTK_GESTURE_SINGLE (press), TRUE);
    g_signal_connect (press, "pressed", G_CALLBACK (long_press_cb), self);
    gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (press));
  }
  update_actions (self);
}
