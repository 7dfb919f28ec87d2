/* zv-contact-card.c: ZvContactCard, one person's card (the window shows it in the content pane
 * when someone is chosen in the directory, as a chat shows next to the chat list).
 *
 * The person is read from the cache by id, not taken from the directory's (filtered) list, so a
 * card can be shown from anywhere, and it is read again whenever the directory changes: presence
 * and phones stay current, and a person removed from the directory leaves the card empty.
 *
 * "Write" opens the direct chat with the person: from the cache when it is there, otherwise it is
 * created with POST /chats (which returns the existing direct chat if the server has one the cache
 * lacks) and applied to the store as a sync page of one chat, so the chat list shows it at once and
 * the chat view finds it when ::open-chat is handled. */
#define G_LOG_DOMAIN "zveno"

#include "config.h"

#include <glib/gi18n.h>

#include "zv-contact-card.h"
#include "zv-sync.h"

struct _ZvContactCard
{
  AdwBin          parent_instance;

  /* owned */
  ZvAccount      *account;
  ZvContact      *contact;         /* the person shown, NULL: nobody */
  GCancellable   *cancellable;     /* the "Write" in flight */

  /* borrowed: template children */
  AdwToastOverlay *toast_overlay;
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

G_DEFINE_FINAL_TYPE (ZvContactCard, zv_contact_card, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_ACCOUNT,
  PROP_CONTACT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  OPEN_CHAT,
  CALL,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/**
 * zv_contact_card_describe:
 *
 * A person's job title and department in one line, as the card and the directory's rows show
 * them; "" when neither is known.
 */
char *
zv_contact_card_describe (const char *title,
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

/* ---- filling the card ------------------------------------------------------------------------ */

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
fill_card (ZvContactCard *self)
{
  ZvContact *c = self->contact;
  g_autofree char *details = zv_contact_card_describe (zv_contact_get_title (c), zv_contact_get_department (c));
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
  gtk_widget_set_visible (GTK_WIDGET (self->call_button), number != NULL && !is_me);
  if (number != NULL)
    {
      /* Translators: the tooltip of the Call button on a contact page: the number it dials. */
      g_autofree char *tip = g_strdup_printf (_("Call %s"), number);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->call_button), tip);
    }
}

static ZvContact *
read_contact (ZvContactCard *self,
              gint64         user_id)
{
  ZvDb *db = zv_store_get_reader (zv_account_get_store (self->account));
  g_autoptr(GError) error = NULL;
  ZvContact *contact = NULL;
  sqlite3_stmt *stmt;

  stmt = zv_db_prepare (db, ZV_CONTACT_SELECT "WHERE id = ?1", &error);
  if (stmt == NULL)
    {
      g_warning ("Could not read the directory: %s", error->message);
      return NULL;
    }
  sqlite3_bind_int64 (stmt, 1, user_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    contact = zv_contact_new_from_row (stmt);
  sqlite3_reset (stmt);
  return contact;
}

static void
cancel_write (ZvContactCard *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  gtk_widget_set_sensitive (GTK_WIDGET (self->write_button), TRUE);
}

/**
 * zv_contact_card_show_contact:
 *
 * Shows the card of the person with @user_id. Returns %FALSE (and leaves the card as it was) if
 * the directory has nobody by that id.
 */
gboolean
zv_contact_card_show_contact (ZvContactCard *self,
                              gint64         user_id)
{
  g_autoptr(ZvContact) contact = NULL;

  g_return_val_if_fail (ZV_IS_CONTACT_CARD (self), FALSE);

  contact = read_contact (self, user_id);
  if (contact == NULL)
    return FALSE;
  cancel_write (self);
  g_set_object (&self->contact, contact);
  fill_card (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONTACT]);
  return TRUE;
}

ZvContact *
zv_contact_card_get_contact (ZvContactCard *self)
{
  g_return_val_if_fail (ZV_IS_CONTACT_CARD (self), NULL);
  return self->contact;
}

/* Puts the focus on "Write", so Enter writes and Tab reaches "Call"; one's own card has no
 * "Write" and the focus goes to the first thing on the card that takes it. */
void
zv_contact_card_focus (ZvContactCard *self)
{
  g_return_if_fail (ZV_IS_CONTACT_CARD (self));

  if (!gtk_widget_grab_focus (GTK_WIDGET (self->write_button)))
    gtk_widget_child_focus (GTK_WIDGET (self), GTK_DIR_TAB_FORWARD);
  /* The name is selectable (to copy it); a label given the focus on the way selects all of it,
   * which would stay highlighted as if the user had selected it. */
  if (gtk_widget_has_focus (GTK_WIDGET (self->write_button)))
    gtk_label_select_region (self->name_label, 0, 0);
}

/* The directory changed (a sync, a presence delta): the person shown is read again. */
static void
store_changed_cb (ZvContactCard  *self,
                  ZvStoreChanges *changes)
{
  g_autoptr(ZvContact) contact = NULL;

  if (self->contact == NULL || (changes->flags & ZV_STORE_CHANGED_USERS) == 0)
    return;
  contact = read_contact (self, zv_contact_get_id (self->contact));
  if (contact == NULL)
    {
      cancel_write (self);
      g_clear_object (&self->contact);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONTACT]);
      return;
    }
  g_set_object (&self->contact, contact);
  fill_card (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONTACT]);
}

static void
on_call_clicked (ZvContactCard *self)
{
  const char *number;

  if (self->contact == NULL || (number = preferred_number (self->contact)) == NULL)
    return;
  g_signal_emit (self, signals[CALL], 0, number, zv_contact_get_id (self->contact));
}

static void
on_number_call_clicked (ZvContactCard *self,
                        GtkButton     *button)
{
  const char *number = g_object_get_data (G_OBJECT (button), "zv-number");

  if (self->contact != NULL && number != NULL)
    g_signal_emit (self, signals[CALL], 0, number, zv_contact_get_id (self->contact));
}

static void
on_email_clicked (ZvContactCard *self)
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
find_direct_chat (ZvContactCard *self,
                  gint64         user_id)
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
  ZvContactCard *self;     /* owned ref */
  JsonNode      *chat;
  gint64         me;
  gint64         chat_id;
  gint64         user_id;
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
write_failed (ZvContactCard *self,
              const GError  *error)
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
  ZvContactCard *self = data->self;
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
  g_autoptr(ZvContactCard) self = user_data;
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
on_write_clicked (ZvContactCard *self)
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

  cancel_write (self);
  self->cancellable = g_cancellable_new ();
  gtk_widget_set_sensitive (GTK_WIDGET (self->write_button), FALSE);
  zv_account_call_async (self->account, "POST", "/chats", body, self->cancellable,
                         on_chat_created, g_object_ref (self));
}

/* ---- GObject ------------------------------------------------------------------------------- */

static void
zv_contact_card_constructed (GObject *object)
{
  ZvContactCard *self = ZV_CONTACT_CARD (object);
  ZvStore *store;

  G_OBJECT_CLASS (zv_contact_card_parent_class)->constructed (object);

  g_return_if_fail (ZV_IS_ACCOUNT (self->account));
  store = zv_account_get_store (self->account);
  g_return_if_fail (ZV_IS_STORE (store));
  g_signal_connect_object (store, "changed", G_CALLBACK (store_changed_cb), self, G_CONNECT_SWAPPED);
}

static void
zv_contact_card_dispose (GObject *object)
{
  ZvContactCard *self = ZV_CONTACT_CARD (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  /* AdwBin unparents the template root itself; gtk_widget_dispose_template() would do it twice. */
  g_clear_object (&self->contact);
  g_clear_object (&self->account);

  G_OBJECT_CLASS (zv_contact_card_parent_class)->dispose (object);
}

static void
zv_contact_card_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  ZvContactCard *self = ZV_CONTACT_CARD (object);

  switch (prop_id)
    {
    case PROP_ACCOUNT:
      g_value_set_object (value, self->account);
      break;
    case PROP_CONTACT:
      g_value_set_object (value, self->contact);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zv_contact_card_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  ZvContactCard *self = ZV_CONTACT_CARD (object);

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
zv_contact_card_class_init (ZvContactCardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = zv_contact_card_constructed;
  object_class->dispose = zv_contact_card_dispose;
  object_class->get_property = zv_contact_card_get_property;
  object_class->set_property = zv_contact_card_set_property;

  properties[PROP_ACCOUNT] =
    g_param_spec_object ("account", NULL, NULL, ZV_TYPE_ACCOUNT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CONTACT] =
    g_param_spec_object ("contact", NULL, NULL, ZV_TYPE_CONTACT,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[OPEN_CHAT] = g_signal_new ("open-chat", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                     NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_INT64);
  signals[CALL] = g_signal_new ("call", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_INT64);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/zveno/Zveno/zv-contact-card.ui");
  gtk_widget_class_bind_template_child (widget_class, ZvContactCard, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, ZvContactCard, avatar);
  gtk_widget_class_bind_template_child (widget_class, ZvContactCard, name_label);
  gtk_widget_class_bind_template_child (widget_class, ZvContactCard, details_label);
  gtk_widget_class_bind_template_child (widget_class, ZvContactCard, presence_label);
  gtk_widget_class_bind_template_child (widget_class, ZvContactCard, external_label);
  gtk_widget_class_bind_template_child (widget_class, ZvContactCard, write_button);
  gtk_widget_class_bind_template_child (widget_class, ZvContactCard, call_button);
  gtk_widget_class_bind_template_child (widget_class, ZvContactCard, phones_group);
  gtk_widget_class_bind_template_child (widget_class, ZvContactCard, extension_row);
  gtk_widget_class_bind_template_child (widget_class, ZvContactCard, mobile_row);
  gtk_widget_class_bind_template_child (widget_class, ZvContactCard, company_row);
  gtk_widget_class_bind_template_child (widget_class, ZvContactCard, extension_call);
  gtk_widget_class_bind_template_child (widget_class, ZvContactCard, mobile_call);
  gtk_widget_class_bind_template_child (widget_class, ZvContactCard, company_call);
  gtk_widget_class_bind_template_child (widget_class, ZvContactCard, email_group);
  gtk_widget_class_bind_template_child (widget_class, ZvContactCard, email_row);
  gtk_widget_class_bind_template_callback (widget_class, on_write_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_call_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_number_call_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_email_clicked);
}

static void
zv_contact_card_init (ZvContactCard *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

ZvContactCard *
zv_contact_card_new (ZvAccount *account)
{
  g_return_val_if_fail (ZV_IS_ACCOUNT (account), NULL);
  g_return_val_if_fail (zv_account_get_store (account) != NULL, NULL);

  return g_object_new (ZV_TYPE_CONTACT_CARD, "account", account, NULL);
}
