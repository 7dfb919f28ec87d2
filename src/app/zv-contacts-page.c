/* zv-contacts-page.c: ZvContactsPage, the directory in the sidebar as a GtkListView over
 * ZvContactList (filtered as someone types). Choosing a person only says so (::contact-activated):
 * the window shows their ZvContactCard in the content pane, as a chosen chat shows next to the chat
 * list. The department is shown in every row: GTK 4.8 has no list sections, and the list is
 * ordered by name, which is how people look others up. */
#define G_LOG_DOMAIN "zveno"

#include "config.h"

#include <glib/gi18n.h>

#include "zv-contact-card.h"
#include "zv-contact-list.h"
#include "zv-contacts-page.h"
#include "zv-list-window.h"

struct _ZvContactsPage
{
  AdwBin          parent_instance;

  /* owned */
  ZvAccount      *account;
  ZvContactList  *contacts;
  ZvListWindow   *window;          /* the contacts the list view is given (see CONTACTS_SHOWN) */
  guint           grow_idle;
  GtkSingleSelection *selection;

  /* borrowed: template children */
  GtkStack       *list_stack;
  GtkListView    *list_view;
  AdwStatusPage  *empty_page;
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
  CONTACT_ACTIVATED,
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
  return zv_contact_card_describe (title, department);
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
}

static void
on_list_activate (ZvContactsPage *self,
                  guint           position)
{
  g_autoptr(ZvContact) contact = g_list_model_get_item (G_LIST_MODEL (self->window), position);

  if (contact == NULL)
    return;
  gtk_single_selection_set_selected (self->selection, position);
  g_signal_emit (self, signals[CONTACT_ACTIVATED], 0, zv_contact_get_id (contact));
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

  /* AdwBin unparents the template root itself; gtk_widget_dispose_template() would do it twice. */
  g_clear_handle_id (&self->grow_idle, g_source_remove);
  if (self->list_view != NULL)
    gtk_list_view_set_model (self->list_view, NULL);
  g_clear_object (&self->selection);
  g_clear_object (&self->window);
  g_clear_object (&self->contacts);
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

  signals[CONTACT_ACTIVATED] = g_signal_new ("contact-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                             NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);

  /* The row template looks these types up by name. */
  g_type_ensure (ZV_TYPE_CONTACT);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/zveno/Zveno/zv-contacts-page.ui");
  gtk_widget_class_bind_template_child (widget_class, ZvContactsPage, list_stack);
  gtk_widget_class_bind_template_child (widget_class, ZvContactsPage, list_view);
  gtk_widget_class_bind_template_child (widget_class, ZvContactsPage, empty_page);
  gtk_widget_class_bind_template_callback (widget_class, on_list_activate);
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

/* Highlights the row of the person whose card shows (0 or someone not in the rows shown: none). */
void
zv_contacts_page_set_selected_id (ZvContactsPage *self,
                                  gint64          user_id)
{
  GListModel *shown;
  guint n;

  g_return_if_fail (ZV_IS_CONTACTS_PAGE (self));

  shown = G_LIST_MODEL (self->window);
  n = g_list_model_get_n_items (shown);
  for (guint i = 0; user_id != 0 && i < n; i++)
    {
      g_autoptr(ZvContact) c = g_list_model_get_item (shown, i);

      if (zv_contact_get_id (c) == user_id)
        {
          gtk_single_selection_set_selected (self->selection, i);
          return;
        }
    }
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
}

/* Puts the focus on the list (back from a card on a narrow window). */
void
zv_contacts_page_focus_list (ZvContactsPage *self)
{
  g_return_if_fail (ZV_IS_CONTACTS_PAGE (self));
  gtk_widget_grab_focus (GTK_WIDGET (self->list_view));
}
