/* zv-contacts-page.c: ZvContactsPage, the directory as a GtkListView over ZvContactList (filtered as
 * someone types) and one person's page.
 *
 * "Write" opens the direct chat with the person: from the cache when it is there, otherwise it is
 * created with POST /chats (which returns the existing direct chat if the server has one the cache
 * lacks) and applied to the store as a sync page of one chat, so the chat list shows it at once and
 * the chat view finds it when ::open-chat is handled. The department is shown in every row: GTK 4.8
 * has no list sections, and the list is ordered by name, which is how people look others up. */
#define G_LOG_DOMAIN "zveno"

#include "config.h"

#include <glib/gi18n.h>

#include "zv-contact-list.h"
#include "zv-contacts-page.h"
#include "zv-list-window.h"
#include "zv-sync.h"

struct _ZvContactsPage
{
  AdwBin          parent_instance;

  /* owned */
  ZvAccount      *account;
  ZvContactList  *contacts;
  ZvListWindow   *window;          /* the contacts the list view is given (see CONTACTS_SHOWN) */
  guint           grow_idle;
  GtkSingleSelection *selection;
  ZvContact      *contact;         /* the person on the contact page */
  GCancellable   *cancellable;     /* the "Write" in flight */

  /* borrowed: template children */
  AdwToastOverlay *toast_overlay;
  GtkStack       *stack;
  GtkStack       *list_stack;
  GtkListView    *list_view;
  AdwStatusPage  *empty_page;
  AdwAvatar      *avatar;
  GtkLabel       *name_label;
  GtkLabel       *details_label;
  GtkLabel       *presence_label;
  GtkLabel       *external_label;
  GtkButton      *write_button;
  GtkButton      *call_button;
  AdwPreferencesGroup *phones_group;
  AdwActionRow   *extension_row;
  AdwActionRow   *mobile_row;
  AdwActionRow   *company_row;
  GtkButton      *extension_call;
  GtkButton      *mobile_call;
  GtkButton      *company_call;
  AdwPreferencesGroup *email_group;
  AdwActionRow   *email_row;
};

G_DEFINE_FINAL_TYPE (ZvContactsPage, zv_contacts_page, ADW_TYPE_BIN)

/* GTK 4.8's list view makes and binds ~200 rows whatever it is given: it is given the first
 * CONTACTS_SHOWN people of the (filtered) directory, CONTACTS_GROW more whenever the view's bottom
 * is within half a screen of the last one given (scrolling, or the arrow keys). */
#define CONTACTS_SHOWN 20
#define CONTACTS_GROW 30
#define CONTACTS_AHEAD 1.5

enum {
  PROP_0,
  PROP_ACCOUNT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  OPEN_CHAT,
  CALL,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- row closures (used by the list item template) ------------------------------------------- */

static gboolean
zv_contacts_page_presence_online (gpointer    unused,
                                  const char *presence)
{
  return g_strcmp0 (presence, "online") == 0;
}

static char *
zv_contacts_page_describe (gpointer    unused,
                           const char *title,
                           const char *department)
{
  gboolean has_title = title != NULL && *title != '\0';
  gboolean has_department = department != NULL && *department != '\0';

  if (has_title && has_department)
    /* Translators: a person's job title and department in the directory, e.g. "Accountant · Finance". */
    return g_strdup_printf (_("%s · %s"), title, department);
  if (has_title)
    return g_strdup (title);
  if (has_department)
    return g_strdup (department);
  return g_strdup ("");
}

static char *
zv_contacts_page_external_marker (gpointer unused,
                                  gboolean external)
{
  /* Translators: a marker after the name of someone outside the company, lower case. */
  return g_strdup (external ? C_("contact", "external") : "");
}

/* ---- the list ------------------------------------------------------------------------------- */

static void
update_empty_state (ZvContactsPage *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->contacts));
  const char *filter = zv_contact_list_get_filter (self->contacts);

  if (n > 0)
    {
      gtk_stack_set_visible_child_name (self->list_stack, "results");
      return;
    }
  if (filter != NULL && *filter != '\0')
    {
      adw_status_page_set_title (self->empty_page, _("No One Found"));
      adw_status_page_set_description (self->empty_page,
                                       _("Try a part of the name, a department or a phone number."));
    }
  else
    {
      adw_status_page_set_title (self->empty_page, _("No Contacts Yet"));
      adw_status_page_set_description (self->empty_page,
                                       _("The company directory appears here after the first sync."));
    }
  gtk_stack_set_visible_child_name (self->list_stack, "empty");
}

static gboolean
grow_idle_cb (gpointer user_data)
{
  ZvContactsPage *self = user_data;
  GtkAdjustment *adj = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (self->list_view));

  self->grow_idle = 0;
  if (self->window != NULL && !zv_list_window_at_end (self->window) &&
      gtk_adjustment_get_value (adj) >= gtk_adjustment_get_upper (adj) - CONTACTS_AHEAD * gtk_adjustment_get_page_size (adj))
    zv_list_window_grow_end (self->window, CONTACTS_GROW);
  return G_SOURCE_REMOVE;
}

/* In an idle: not inside the list view's own handling of the scroll. */
static void
scrolled_cb (ZvContactsPage *self)
{
  GtkAdjustment *adj = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (self->list_view));
  double page = gtk_adjustment_get_page_size (adj);

  if (self->window != NULL && self->grow_idle == 0 && page > 0 && !zv_list_window_at_end (self->window) &&
      gtk_adjustment_get_value (adj) >= gtk_adjustment_get_upper (adj) - CONTACTS_AHEAD * page)
    self->grow_idle = g_idle_add (grow_idle_cb, self);
}

static void
on_items_changed (GListModel     *model,
                  guint           position,
                  guint           removed,
                  guint           added,
                  ZvContactsPage *self)
{
  guint shown = g_list_model_get_n_items (G_LIST_MODEL (self->window));

  update_empty_state (self);
  /* The directory arrived or the filter changed (the window has taken the change already): the
   * first CONTACTS_SHOWN again. */
  if (shown < CONTACTS_SHOWN && !zv_list_window_at_end (self->window))
    zv_list_window_grow_end (self->window, CONTACTS_SHOWN - shown);

  /* The person on screen left the directory (a delta removed them): back to the list. */
  if (self->contact != NULL && removed > 0 &&
      g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "contact") == 0)
    {
      gint64 id = zv_contact_get_id (self->contact);
      g_autofree char *f = g_strdup (zv_contact_list_get_filter (self->contacts));

      for (guint i = 0; i < g_list_model_get_n_items (model); i++)
        {
          g_autoptr(ZvContact) c = g_list_model_get_item (model, i);
          if (zv_contact_get_id (c) == id)
            return;
        }
      /* Filtered out is not gone: only an empty filter proves it. */
      if (f == NULL || *f == '\0')
        zv_contacts_page_show_list (self);
    }
}

static void
on_list_activate (ZvContactsPage *self,
                  guint           position)
{
  g_autoptr(ZvContact) contact = g_list_model_get_item (G_LIST_MODEL (self->window), position);

  if (contact != NULL)
    zv_contacts_page_show_contact (self, zv_contact_get_id (contact));
}

/* ---- the contact page ----------------------------------------------------------------------- */

static void
set_phone_row (AdwActionRow *row,
               GtkButton    *button,
               const char   *number)
{
  gboolean has = number != NULL && *number != '\0';

  gtk_widget_set_visible (GTK_WIDGET (row), has);
  adw_action_row_set_subtitle (row, has ? number : "");
  g_object_set_data_full (G_OBJECT (button), "zv-number", g_strdup (has ? number : NULL), g_free);
}

/* The number "Call" dials: the extension inside the company, else the mobile, else the desk. */
static const char *
preferred_number (ZvContact *contact)
{
  const char *numbers[] = {
    zv_contact_get_extension (contact),
    zv_contact_get_mobile (contact),
    zv_contact_get_company_phone (contact),
  };

  for (guint i = 0; i < G_N_ELEMENTS (numbers); i++)
    if (numbers[i] != NULL && *numbers[i] != '\0')
      return numbers[i];
  return NULL;
}

static void
fill_contact_page (ZvContactsPage *self)
{
  ZvContact *c = self->contact;
  g_autofree char *details = zv_contacts_page_describe (NULL, zv_contact_get_title (c),
                                                        zv_contact_get_department (c));
  const char *email = zv_contact_get_email (c);
  gboolean online = g_strcmp0 (zv_contact_get_presence (c), "online") == 0;
  gboolean has_email = email != NULL && *email != '\0';
  gboolean is_me = zv_contact_get_id (c) == zv_account_get_user_id (self->account);
  const char *number = preferred_number (c);

  adw_avatar_set_text (self->avatar, zv_contact_get_name (c));
  gtk_label_set_label (self->name_label, zv_contact_get_name (c));
  gtk_label_set_label (self->details_label, details);
  gtk_widget_set_visible (GTK_WIDGET (self->details_label), *details != '\0');
  gtk_label_set_label (self->presence_label, online ? _("Online") : _("Offline"));
  gtk_widget_set_css_classes (GTK_WIDGET (self->presence_label),
                              (const char *[]) { online ? "success" : "dim-label", NULL });
  gtk_widget_set_visible (GTK_WIDGET (self->external_label), zv_contact_get_external (c));

  set_phone_row (self->extension_row, self->extension_call, zv_contact_get_extension (c));
  set_phone_row (self->mobile_row, self->mobile_call, zv_contact_get_mobile (c));
  set_phone_row (self->company_row, self->company_call, zv_contact_get_company_phone (c));
  gtk_widget_set_visible (GTK_WIDGET (self->phones_group), number != NULL);

  adw_action_row_set_subtitle (self->email_row, has_email ? email : "");
  gtk_widget_set_visible (GTK_WIDGET (self->email_group), has_email);

  gtk_widget_set_visible (GTK_WIDGET (self->write_button), !is_me);
  gtk_widget_set_sensitive (GTK_WIDGET (self->write_button), TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->call_button), number != NULL && !is_me);
  if (number != NULL)
    {
      /* Translators: the tooltip of the Call button on a contact page: the number it dials. */
      g_autofree char *tip = g_strdup_printf (_("Call %s"), number);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->call_button), tip);
    }
}

/**
 * zv_contacts_page_show_contact:
 *
 * Shows the page of the person with @user_id. Returns %FALSE if the directory has nobody by that id.
 */
gboolean
zv_contacts_page_show_contact (ZvContactsPage *self,
                               gint64          user_id)
{
  ZvDb *db;
  sqlite3_stmt *stmt;
  g_autoptr(GError) error = NULL;
  g_autoptr(ZvContact) contact = NULL;

  g_return_val_if_fail (ZV_IS_CONTACTS_PAGE (self), FALSE);

  /* From the cache rather than the (filtered) model: a person may be shown from anywhere. */
  db = zv_store_get_reader (zv_account_get_store (self->account));
  stmt = zv_db_prepare (db, ZV_CONTACT_SELECT "WHERE id = ?1", &error);
  if (stmt == NULL)
    {
      g_warning ("Could not read the directory: %s", error->message);
      return FALSE;
    }
  sqlite3_bind_int64 (stmt, 1, user_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    contact = zv_contact_new_from_row (stmt);
  sqlite3_reset (stmt);
  if (contact == NULL)
    return FALSE;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_set_object (&self->contact, contact);
  fill_contact_page (self);
  gtk_stack_set_visible_child_name (self->stack, "contact");
  gtk_widget_grab_focus (GTK_WIDGET (self->write_button));
  return TRUE;
}

void
zv_contacts_page_show_list (ZvContactsPage *self)
{
  g_return_if_fail (ZV_IS_CONTACTS_PAGE (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  gtk_stack_set_visible_child_name (self->stack, "list");
  gtk_widget_grab_focus (GTK_WIDGET (self->list_view));
}

static void
on_call_clicked (ZvContactsPage *self)
{
  const char *number;

  if (self->contact == NULL || (number = preferred_number (self->contact)) == NULL)
    return;
  g_signal_emit (self, signals[CALL], 0, number, zv_contact_get_id (self->contact));
}

static void
on_number_call_clicked (ZvContactsPage *self,
                        GtkButton      *button)
{
  const char *number = g_object_get_data (G_OBJECT (button), "zv-number");

  if (self->contact != NULL && number != NULL)
    g_signal_emit (self, signals[CALL], 0, number, zv_contact_get_id (self->contact));
}

static void
on_email_clicked (ZvContactsPage *self)
{
  g_autofree char *uri = NULL;
  GtkRoot *root;

  if (self->contact == NULL || *zv_contact_get_email (self->contact) == '\0')
    return;
  uri = g_strconcat ("mailto:", zv_contact_get_email (self->contact), NULL);
  root = gtk_widget_get_root (GTK_WIDGET (self));
  gtk_show_uri (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, uri, GDK_CURRENT_TIME);
}

/* ---- "Write": find or create the direct chat -------------------------------------------------- */

static gint64
find_direct_chat (ZvContactsPage *self,
                  gint64          user_id)
{
  ZvDb *db = zv_store_get_reader (zv_account_get_store (self->account));
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt;
  gint64 chat_id = 0;

  stmt = zv_db_prepare (db, "SELECT c.id FROM chats c JOIN members m ON m.chat_id = c.id "
                            "WHERE c.type = 'direct' AND m.user_id = ?1 "
                            "AND (SELECT count(*) FROM members WHERE chat_id = c.id) = 2 "
                            "ORDER BY c.id LIMIT 1", &error);
  if (stmt == NULL)
    {
      g_warning ("Could not look up the direct chat: %s", error->message);
      return 0;
    }
  sqlite3_bind_int64 (stmt, 1, user_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    chat_id = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return chat_id;
}

typedef struct {
  ZvContactsPage *self;     /* owned ref */
  JsonNode       *chat;
  gint64          me;
  gint64          chat_id;
  gint64          user_id;
} WriteData;

static void
write_data_free (WriteData *data)
{
  g_clear_object (&data->self);
  g_clear_pointer (&data->chat, json_node_unref);
  g_free (data);
}

/* Writer thread: the chat as a /sync page of one, with the cache's own token so that the next
 * sync starts where it would have. */
static gboolean
apply_chat_write (ZvDb            *db,
                  gpointer         user_data,
                  ZvStoreChanges  *changes,
                  GError         **error)
{
  WriteData *data = user_data;
  g_autoptr(JsonObject) page = json_object_new ();
  JsonArray *chats = json_array_new ();
  sqlite3_stmt *stmt;
  g_autofree char *token = NULL;

  stmt = zv_db_prepare (db, "SELECT value FROM meta WHERE key = 'sync_token'", error);
  if (stmt == NULL)
    {
      json_array_unref (chats);
      return FALSE;
    }
  if (sqlite3_step (stmt) == SQLITE_ROW)
    token = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);

  json_array_add_element (chats, json_node_copy (data->chat));
  json_object_set_string_member (page, "next", token != NULL ? token : "");
  json_object_set_array_member (page, "chats", chats);
  json_object_set_array_member (page, "messages", json_array_new ());
  if (!zv_sync_apply_page (db, data->me, page, changes, NULL, error))
    return FALSE;
  if (token == NULL)
    {
      /* Never synced: leave no empty token behind, the first sync must start from scratch. */
      stmt = zv_db_prepare (db, "DELETE FROM meta WHERE key = 'sync_token'", error);
      if (stmt == NULL || !zv_db_step_done (db, stmt, error))
        return FALSE;
    }
  return TRUE;
}

static void
write_failed (ZvContactsPage *self,
              const GError   *error)
{
  g_autofree char *text = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  gtk_widget_set_sensitive (GTK_WIDGET (self->write_button), TRUE);
  /* Translators: shown when "Write" could not create the chat; %s says why. */
  text = g_strdup_printf (_("Could not open the chat: %s. Check the connection and try again."),
                          error->message);
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (text));
}

static void
on_chat_applied (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  WriteData *data = user_data;
  ZvContactsPage *self = data->self;
  g_autoptr(GError) error = NULL;

  if (!zv_store_write_finish (ZV_STORE (source), result, &error))
    write_failed (self, error);
  else
    {
      gtk_widget_set_sensitive (GTK_WIDGET (self->write_button), TRUE);
      g_signal_emit (self, signals[OPEN_CHAT], 0, data->chat_id, data->user_id);
    }
  write_data_free (data);
}

static void
on_chat_created (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(ZvContactsPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = zv_account_call_finish (ZV_ACCOUNT (source), result, &error);
  WriteData *data;
  JsonObject *chat;

  if (node == NULL)
    {
      write_failed (self, error);
      return;
    }
  if (!JSON_NODE_HOLDS_OBJECT (node) ||
      !json_object_has_member ((chat = json_node_get_object (node)), "id") ||
      json_object_get_int_member (chat, "id") <= 0)
    {
      g_autoptr(GError) bad = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                                                   _("the server sent a chat without an id"));
      write_failed (self, bad);
      return;
    }

  data = g_new0 (WriteData, 1);
  data->self = g_object_ref (self);
  data->chat = json_node_ref (node);
  data->me = zv_account_get_user_id (self->account);
  data->chat_id = json_object_get_int_member (chat, "id");
  data->user_id = self->contact != NULL ? zv_contact_get_id (self->contact) : 0;
  zv_store_write_async (zv_account_get_store (self->account), apply_chat_write, data, NULL,
                        self->cancellable, on_chat_applied, data);
}

static void
on_write_clicked (ZvContactsPage *self)
{
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonNode) body = NULL;
  gint64 user_id, chat_id;

  if (self->contact == NULL)
    return;
  user_id = zv_contact_get_id (self->contact);
  chat_id = find_direct_chat (self, user_id);
  if (chat_id != 0)
    {
      g_signal_emit (self, signals[OPEN_CHAT], 0, chat_id, user_id);
      return;
    }

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "direct");
  json_builder_set_member_name (builder, "members");
  json_builder_begin_array (builder);
  json_builder_add_int_value (builder, user_id);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  gtk_widget_set_sensitive (GTK_WIDGET (self->write_button), FALSE);
  zv_account_call_async (self->account, "POST", "/chats", body, self->cancellable,
                         on_chat_created, g_object_ref (self));
}

/* ---- GObject ------------------------------------------------------------------------------- */

static void
zv_contacts_page_constructed (GObject *object)
{
  ZvContactsPage *self = ZV_CONTACTS_PAGE (object);
  ZvStore *store;

  G_OBJECT_CLASS (zv_contacts_page_parent_class)->constructed (object);

  g_return_if_fail (ZV_IS_ACCOUNT (self->account));
  store = zv_account_get_store (self->account);
  g_return_if_fail (ZV_IS_STORE (store));

  self->contacts = zv_contact_list_new (store);
  /* Made first: it takes each change of the directory before on_items_changed tops it up. */
  self->window = zv_list_window_new (G_LIST_MODEL (self->contacts), 0, CONTACTS_SHOWN);
  zv_list_window_set_follow_end (self->window, FALSE);
  g_signal_connect_object (self->contacts, "items-changed", G_CALLBACK (on_items_changed), self, 0);
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->window)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));
  update_empty_state (self);
  g_signal_connect_object (gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (self->list_view)), "value-changed",
                           G_CALLBACK (scrolled_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (self->list_view)), "notify::upper",
                           G_CALLBACK (scrolled_cb), self, G_CONNECT_SWAPPED);
}

static void
zv_contacts_page_dispose (GObject *object)
{
  ZvContactsPage *self = ZV_CONTACTS_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  /* AdwBin unparents the template root itself; gtk_widget_dispose_template() would do it twice. */
  g_clear_handle_id (&self->grow_idle, g_source_remove);
  if (self->list_view != NULL)
    gtk_list_view_set_model (self->list_view, NULL);
  g_clear_object (&self->selection);
  g_clear_object (&self->window);
  g_clear_object (&self->contacts);
  g_clear_object (&self->contact);
  g_clear_object (&self->account);

  G_OBJECT_CLASS (zv_contacts_page_parent_class)->dispose (object);
}

static void
zv_contacts_page_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  ZvContactsPage *self = ZV_CONTACTS_PAGE (object);

  switch (prop_id)
    {
    case PROP_ACCOUNT:
      g_value_set_object (value, self->account);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zv_contacts_page_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  ZvContactsPage *self = ZV_CONTACTS_PAGE (object);

  switch (prop_id)
    {
    case PROP_ACCOUNT:
      self->account = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zv_contacts_page_class_init (ZvContactsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = zv_contacts_page_constructed;
  object_class->dispose = zv_contacts_page_dispose;
  object_class->get_property = zv_contacts_page_get_property;
  object_class->set_property = zv_contacts_page_set_property;

  properties[PROP_ACCOUNT] =
    g_param_spec_object ("account", NULL, NULL, ZV_TYPE_ACCOUNT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[OPEN_CHAT] = g_signal_new ("open-chat", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                     NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_INT64);
  signals[CALL] = g_signal_new ("call", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_INT64);

  /* The row template looks these types up by name. */
  g_type_ensure (ZV_TYPE_CONTACT);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/zveno/Zveno/zv-contacts-page.ui");
  gtk_widget_class_bind_template_child (widget_class, ZvContactsPage, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, ZvContactsPage, stack);
  gtk_widget_class_bind_template_child (widget_class, ZvContactsPage, list_stack);
  gtk_widget_class_bind_template_child (widget_class, ZvContactsPage, list_view);
  gtk_widget_class_bind_template_child (widget_class, ZvContactsPage, empty_page);
  gtk_widget_class_bind_template_child (widget_class, ZvContactsPage, avatar);
  gtk_widget_class_bind_template_child (widget_class, ZvContactsPage, name_label);
  gtk_widget_class_bind_template_child (widget_class, ZvContactsPage, details_label);
  gtk_widget_class_bind_template_child (widget_class, ZvContactsPage, presence_label);
  gtk_widget_class_bind_template_child (widget_class, ZvContactsPage, external_label);
  gtk_widget_class_bind_template_child (widget_class, ZvContactsPage, write_button);
  gtk_widget_class_bind_template_child (widget_class, ZvContactsPage, call_button);
  gtk_widget_class_bind_template_child (widget_class, ZvContactsPage, phones_group);
  gtk_widget_class_bind_template_child (widget_class, ZvContactsPage, extension_row);
  gtk_widget_class_bind_template_child (widget_class, ZvContactsPage, mobile_row);
  gtk_widget_class_bind_template_child (widget_class, ZvContactsPage, company_row);
  gtk_widget_class_bind_template_child (widget_class, ZvContactsPage, extension_call);
  gtk_widget_class_bind_template_child (widget_class, ZvContactsPage, mobile_call);
  gtk_widget_class_bind_template_child (widget_class, ZvContactsPage, company_call);
  gtk_widget_class_bind_template_child (widget_class, ZvContactsPage, email_group);
  gtk_widget_class_bind_template_child (widget_class, ZvContactsPage, email_row);
  gtk_widget_class_bind_template_callback (widget_class, on_list_activate);
  gtk_widget_class_bind_template_callback (widget_class, on_write_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_call_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_number_call_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_email_clicked);
  gtk_widget_class_bind_template_callback (widget_class, zv_contacts_page_show_list);
  gtk_widget_class_bind_template_callback (widget_class, zv_contacts_page_presence_online);
  gtk_widget_class_bind_template_callback (widget_class, zv_contacts_page_describe);
  gtk_widget_class_bind_template_callback (widget_class, zv_contacts_page_external_marker);
}

static void
zv_contacts_page_init (ZvContactsPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

ZvContactsPage *
zv_contacts_page_new (ZvAccount *account)
{
  g_return_val_if_fail (ZV_IS_ACCOUNT (account), NULL);
  g_return_val_if_fail (zv_account_get_store (account) != NULL, NULL);

  return g_object_new (ZV_TYPE_CONTACTS_PAGE, "account", account, NULL);
}

ZvAccount *
zv_contacts_page_get_account (ZvContactsPage *self)
{
  g_return_val_if_fail (ZV_IS_CONTACTS_PAGE (self), NULL);
  return self->account;
}

/* Filters the directory: the page has no search field of its own, the window's one search field
 * forwards its text here while the Contacts page shows (as it filters the chat list on Chats). */
void
zv_contacts_page_set_filter (ZvContactsPage *self,
                             const char     *filter)
{
  g_return_if_fail (ZV_IS_CONTACTS_PAGE (self));
  zv_contact_list_set_filter (self->contacts, filter);
}

/* The directory as shown (ZvContact items, after the filter). */
GListModel *
zv_contacts_page_get_model (ZvContactsPage *self)
{
  g_return_val_if_fail (ZV_IS_CONTACTS_PAGE (self), NULL);
  return G_LIST_MODEL (self->contacts);
}
