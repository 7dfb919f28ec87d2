/* zv-search-page.c: ZvSearchPage, search over the local cache while typing.
 *
 * Every keystroke searches at once (ZvSearchResults in "typing" mode matches the last word both as
 * typed and as a prefix, so a half-typed word finds something and a whole word finds its other
 * forms); each page is a few milliseconds, so there is no delay to hide. Hits come newest first; a
 * chat header is shown above a hit whose chat differs from the hit before it. GTK 4.8 has no list
 * sections, so rows decide that themselves, and rows on screen are re-checked after every change
 * of the list, because an insertion above a row changes its neighbour without rebinding it. */
#define G_LOG_DOMAIN "zveno"

#include "config.h"

#include <glib/gi18n.h>

#include "zv-format.h"
#include "zv-search-results.h"
#include "zv-search-page.h"

struct _ZvSearchPage
{
  AdwBin              parent_instance;

  /* owned */
  ZvAccount          *account;
  ZvSearchResults    *results;
  GtkNoSelection     *selection;
  GHashTable         *bound;          /* GtkListItem on screen */
  guint               headers_idle;
  guint               more_idle;

  /* borrowed: template children */
  GtkSearchEntry     *search_entry;
  GtkStack           *stack;
  GtkScrolledWindow  *scrolled;
  GtkListView        *list_view;
  AdwStatusPage      *empty_page;
};

G_DEFINE_FINAL_TYPE (ZvSearchPage, zv_search_page, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_ACCOUNT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  OPEN_MESSAGE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Parts of a row, kept on its GtkListItem. */
typedef struct {
  GtkLabel *header;
  GtkLabel *sender;
  GtkLabel *time;
  GtkLabel *snippet;
} Row;

static char *
format_time (gint64 ms)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_local (ms / 1000);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  const char *format;

  if (when == NULL || now == NULL)
    return g_strdup ("");
  if (g_date_time_get_year (when) == g_date_time_get_year (now) &&
      g_date_time_get_day_of_year (when) == g_date_time_get_day_of_year (now))
    /* Translators: the time of a search hit sent today (g_date_time_format). */
    format = _("%H:%M");
  else if (g_date_time_get_year (when) == g_date_time_get_year (now))
    /* Translators: the date of a search hit from this year (g_date_time_format). */
    format = _("%b %-d");
  else
    /* Translators: the date of a search hit from an earlier year (g_date_time_format). */
    format = _("%b %-d, %Y");
  return zv_format_date (when, format);
}

/* Whether the hit at @position starts a chat's group: the first hit, or another chat than the
 * hit before it. */
static gboolean
starts_group (ZvSearchPage *self,
              guint         position,
              gint64        chat_id)
{
  g_autoptr(ZvSearchResult) prev = NULL;

  if (position == 0 || position == GTK_INVALID_LIST_POSITION)
    return TRUE;
  prev = g_list_model_get_item (G_LIST_MODEL (self->results), position - 1);
  return prev == NULL || zv_search_result_get_chat_id (prev) != chat_id;
}

static void
update_header (ZvSearchPage *self,
               GtkListItem  *item)
{
  Row *row = g_object_get_data (G_OBJECT (item), "zv-row");
  ZvSearchResult *hit = gtk_list_item_get_item (item);

  if (row == NULL || hit == NULL)
    return;
  gtk_widget_set_visible (GTK_WIDGET (row->header),
                          starts_group (self, gtk_list_item_get_position (item),
                                        zv_search_result_get_chat_id (hit)));
}

static gboolean
update_headers_idle (gpointer user_data)
{
  ZvSearchPage *self = user_data;
  GHashTableIter iter;
  gpointer item;

  self->headers_idle = 0;
  g_hash_table_iter_init (&iter, self->bound);
  while (g_hash_table_iter_next (&iter, &item, NULL))
    update_header (self, item);
  return G_SOURCE_REMOVE;
}

static void
setup_row (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           ZvSearchPage             *self)
{
  Row *row = g_new0 (Row, 1);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *line = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

  row->header = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (row->header, 0);
  gtk_label_set_ellipsize (row->header, PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (GTK_WIDGET (row->header), "heading");
  gtk_widget_add_css_class (GTK_WIDGET (row->header), "accent");
  gtk_widget_set_margin_top (GTK_WIDGET (row->header), 8);
  gtk_widget_set_margin_bottom (GTK_WIDGET (row->header), 2);

  row->sender = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (row->sender, 0);
  gtk_label_set_ellipsize (row->sender, PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (GTK_WIDGET (row->sender), TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (row->sender), "caption-heading");

  row->time = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_add_css_class (GTK_WIDGET (row->time), "caption");
  gtk_widget_add_css_class (GTK_WIDGET (row->time), "dim-label");

  row->snippet = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (row->snippet, 0);
  gtk_label_set_wrap (row->snippet, TRUE);
  gtk_label_set_wrap_mode (row->snippet, PANGO_WRAP_WORD_CHAR);
  gtk_label_set_lines (row->snippet, 2);
  gtk_label_set_ellipsize (row->snippet, PANGO_ELLIPSIZE_END);
  gtk_label_set_use_markup (row->snippet, TRUE);

  gtk_box_append (GTK_BOX (line), GTK_WIDGET (row->sender));
  gtk_box_append (GTK_BOX (line), GTK_WIDGET (row->time));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (row->header));
  gtk_box_append (GTK_BOX (box), line);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (row->snippet));
  gtk_widget_set_margin_top (box, 2);
  gtk_widget_set_margin_bottom (box, 4);

  g_object_set_data_full (G_OBJECT (item), "zv-row", row, g_free);
  gtk_list_item_set_child (item, box);
}

static void
bind_row (GtkSignalListItemFactory *factory,
          GtkListItem              *item,
          ZvSearchPage             *self)
{
  Row *row = g_object_get_data (G_OBJECT (item), "zv-row");
  ZvSearchResult *hit = gtk_list_item_get_item (item);
  g_autofree char *time = format_time (zv_search_result_get_created_at (hit));
  const char *chat = zv_search_result_get_chat_title (hit);
  const char *sender = zv_search_result_get_sender_name (hit);
  g_autofree char *label = NULL;

  gtk_label_set_label (row->header, chat);
  gtk_label_set_label (row->sender, sender);
  gtk_label_set_label (row->time, time);
  gtk_label_set_markup (row->snippet, zv_search_result_get_snippet_markup (hit));
  /* Translators: what a screen reader says for a search hit: chat, sender, time, text. */
  label = g_strdup_printf (_("%s, %s, %s: %s"), chat, sender, time, zv_search_result_get_snippet (hit));
  gtk_accessible_update_property (GTK_ACCESSIBLE (gtk_list_item_get_child (item)),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  g_hash_table_add (self->bound, item);
  update_header (self, item);
}

static void
unbind_row (GtkSignalListItemFactory *factory,
            GtkListItem              *item,
            ZvSearchPage             *self)
{
  g_hash_table_remove (self->bound, item);
}

static void
update_state (ZvSearchPage *self)
{
  const char *query = zv_search_results_get_query (self->results);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->results));

  if (n > 0)
    {
      gtk_stack_set_visible_child_name (self->stack, "results");
      return;
    }
  g_autofree char *q = g_strstrip (g_strdup (query != NULL ? query : ""));

  if (*q != '\0')
    {
      adw_status_page_set_title (self->empty_page, _("Nothing Found"));
      adw_status_page_set_description (self->empty_page,
                                       _("No cached message has these words. Try fewer words or another form of them."));
    }
  else
    {
      adw_status_page_set_title (self->empty_page, _("Search Messages"));
      adw_status_page_set_description (self->empty_page,
                                       _("Words in any form: “contract” finds “contracts” too. Put a phrase in quotes."));
    }
  gtk_stack_set_visible_child_name (self->stack, "empty");
}

/* Loads the next page when fewer than a screen of rows are left below. */
static gboolean
maybe_load_more (gpointer user_data)
{
  ZvSearchPage *self = user_data;
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (self->scrolled);
  double left = gtk_adjustment_get_upper (adj) - gtk_adjustment_get_value (adj) -
                gtk_adjustment_get_page_size (adj);
  g_autoptr(GError) error = NULL;

  self->more_idle = 0;
  if (!zv_search_results_get_has_more (self->results) || left > gtk_adjustment_get_page_size (adj))
    return G_SOURCE_REMOVE;
  if (!zv_search_results_load_more (self->results, &error))
    g_warning ("Could not load more search results: %s", error->message);
  return G_SOURCE_REMOVE;
}

static void
queue_load_more (ZvSearchPage *self)
{
  if (self->more_idle == 0)
    self->more_idle = g_idle_add (maybe_load_more, self);
}

static void
on_items_changed (GListModel   *model,
                  guint         position,
                  guint         removed,
                  guint         added,
                  ZvSearchPage *self)
{
  update_state (self);
  if (self->headers_idle == 0)
    self->headers_idle = g_idle_add (update_headers_idle, self);
  /* A first page shorter than the view leaves nothing to scroll: fetch on. */
  queue_load_more (self);
}

static void
on_entry_changed (ZvSearchPage *self)
{
  zv_search_results_set_typing (self->results, TRUE);
  zv_search_results_set_query (self->results, gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
  update_state (self);
}

static void
on_entry_activate (ZvSearchPage *self)
{
  /* Enter opens the newest hit. */
  g_autoptr(ZvSearchResult) first = g_list_model_get_item (G_LIST_MODEL (self->results), 0);

  if (first != NULL)
    g_signal_emit (self, signals[OPEN_MESSAGE], 0, zv_search_result_get_chat_id (first),
                   zv_search_result_get_message_id (first));
}

static void
on_stop_search (ZvSearchPage *self)
{
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
}

static void
on_list_activate (ZvSearchPage *self,
                  guint         position)
{
  g_autoptr(ZvSearchResult) hit = g_list_model_get_item (G_LIST_MODEL (self->results), position);

  if (hit != NULL)
    g_signal_emit (self, signals[OPEN_MESSAGE], 0, zv_search_result_get_chat_id (hit),
                   zv_search_result_get_message_id (hit));
}

static void
on_scrolled (GtkAdjustment *adj,
             ZvSearchPage  *self)
{
  queue_load_more (self);
}

static void
zv_search_page_constructed (GObject *object)
{
  ZvSearchPage *self = ZV_SEARCH_PAGE (object);
  GtkListItemFactory *factory;
  GtkAdjustment *adj;

  G_OBJECT_CLASS (zv_search_page_parent_class)->constructed (object);

  g_return_if_fail (ZV_IS_ACCOUNT (self->account));
  g_return_if_fail (ZV_IS_STORE (zv_account_get_store (self->account)));

  self->results = zv_search_results_new (zv_account_get_store (self->account),
                                         zv_account_get_user_id (self->account));
  zv_search_results_set_typing (self->results, TRUE);
  /* Older history than the cache holds is searched on the server and merged after local hits. */
  zv_search_results_set_account (self->results, self->account);
  g_signal_connect_object (self->results, "items-changed", G_CALLBACK (on_items_changed), self,
                           G_CONNECT_AFTER);
  self->selection = gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->results)));

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect_object (factory, "setup", G_CALLBACK (setup_row), self, 0);
  g_signal_connect_object (factory, "bind", G_CALLBACK (bind_row), self, 0);
  g_signal_connect_object (factory, "unbind", G_CALLBACK (unbind_row), self, 0);
  gtk_list_view_set_factory (self->list_view, factory);
  g_object_unref (factory);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));

  adj = gtk_scrolled_window_get_vadjustment (self->scrolled);
  g_signal_connect_object (adj, "value-changed", G_CALLBACK (on_scrolled), self, 0);
  g_signal_connect_object (adj, "changed", G_CALLBACK (on_scrolled), self, 0);
  update_state (self);
}

static void
zv_search_page_dispose (GObject *object)
{
  ZvSearchPage *self = ZV_SEARCH_PAGE (object);

  g_clear_handle_id (&self->headers_idle, g_source_remove);
  g_clear_handle_id (&self->more_idle, g_source_remove);
  /* AdwBin unparents the template root itself; gtk_widget_dispose_template() would do it twice. */
  g_clear_object (&self->selection);
  g_clear_object (&self->results);
  g_clear_object (&self->account);
  g_clear_pointer (&self->bound, g_hash_table_unref);

  G_OBJECT_CLASS (zv_search_page_parent_class)->dispose (object);
}

static void
zv_search_page_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  ZvSearchPage *self = ZV_SEARCH_PAGE (object);

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
zv_search_page_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  ZvSearchPage *self = ZV_SEARCH_PAGE (object);

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
zv_search_page_class_init (ZvSearchPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = zv_search_page_constructed;
  object_class->dispose = zv_search_page_dispose;
  object_class->get_property = zv_search_page_get_property;
  object_class->set_property = zv_search_page_set_property;

  properties[PROP_ACCOUNT] =
    g_param_spec_object ("account", NULL, NULL, ZV_TYPE_ACCOUNT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[OPEN_MESSAGE] = g_signal_new ("open-message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_INT64);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/zveno/Zveno/zv-search-page.ui");
  gtk_widget_class_bind_template_child (widget_class, ZvSearchPage, search_entry);
  gtk_widget_class_bind_template_child (widget_class, ZvSearchPage, stack);
  gtk_widget_class_bind_template_child (widget_class, ZvSearchPage, scrolled);
  gtk_widget_class_bind_template_child (widget_class, ZvSearchPage, list_view);
  gtk_widget_class_bind_template_child (widget_class, ZvSearchPage, empty_page);
  gtk_widget_class_bind_template_callback (widget_class, on_entry_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_entry_activate);
  gtk_widget_class_bind_template_callback (widget_class, on_stop_search);
  gtk_widget_class_bind_template_callback (widget_class, on_list_activate);
}

static void
zv_search_page_init (ZvSearchPage *self)
{
  self->bound = g_hash_table_new (NULL, NULL);
  gtk_widget_init_template (GTK_WIDGET (self));
}

ZvSearchPage *
zv_search_page_new (ZvAccount *account)
{
  g_return_val_if_fail (ZV_IS_ACCOUNT (account), NULL);
  g_return_val_if_fail (zv_account_get_store (account) != NULL, NULL);

  return g_object_new (ZV_TYPE_SEARCH_PAGE, "account", account, NULL);
}

/* Puts @query in the field and searches (e.g. text carried over from the window's search bar). */
void
zv_search_page_set_query (ZvSearchPage *self,
                          const char   *query)
{
  g_return_if_fail (ZV_IS_SEARCH_PAGE (self));
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), query != NULL ? query : "");
}

/* Only messages of @chat_id (Ctrl+F in a chat); 0 searches every chat. */
void
zv_search_page_set_chat_id (ZvSearchPage *self,
                            gint64        chat_id)
{
  g_return_if_fail (ZV_IS_SEARCH_PAGE (self));
  zv_search_results_set_chat_id (self->results, chat_id);
  update_state (self);
}

void
zv_search_page_focus_entry (ZvSearchPage *self)
{
  g_return_if_fail (ZV_IS_SEARCH_PAGE (self));
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

/* The hits (ZvSearchResult items), for tests and for the window's keyboard navigation. */
GListModel *
zv_search_page_get_model (ZvSearchPage *self)
{
  g_return_val_if_fail (ZV_IS_SEARCH_PAGE (self), NULL);
  return G_LIST_MODEL (self->results);
}
