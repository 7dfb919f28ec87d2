/* zv-calls-page.c: ZvCallsPage.
 *
 * A strip on top says whether calls work right now (connecting, connected with the user's
 * extension, or why not: no telephony for this account, a refused password, an unreachable phone
 * system, with the retry delay). Below, the history newest first in a GtkListView over
 * ZvCallHistory, or an empty state. Activating a call emits ::call-back with its number; the
 * "Dial Pad" button emits ::show-dialpad. The window decides what happens then.
 *
 * A call just made or taken is inserted at position 0. GTK 4.8's list keeps its anchor on the row
 * that was on top, so that row stayed on top and the new call landed above the viewport, out of
 * sight (issue 6). A list the user has not scrolled down is therefore moved back to its top when
 * rows arrive there. The list's accessible description names the newest call, so a screen reader
 * tells it without walking the rows.
 *
 * The sidebar's one search field filters this page too (zv_calls_page_set_filter()): by the
 * other party's name in any script and case, or by their number, digits compared whatever way
 * either side is written ("495 123" finds "+7 495 123-45-67").
 */
#define G_LOG_DOMAIN "zveno"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "zv-call-row.h"
#include "zv-calls-page.h"

struct _ZvCallsPage
{
  AdwBin              parent_instance;

  /* owned */
  ZvPhone            *phone;
  GSignalGroup       *phone_signals;
  GSignalGroup       *history_signals;
  GtkNoSelection     *selection;
  GtkFilterListModel *filtered;
  char               *filter_text;     /* casefolded; NULL: no filter */
  char               *filter_digits;   /* the search's digits when it reads as a number, else NULL */

  /* borrowed: template children */
  GtkImage           *status_icon;
  GtkLabel           *status_label;
  GtkStack           *stack;
  AdwStatusPage      *empty_page;
  GtkListView        *list_view;
};

G_DEFINE_FINAL_TYPE (ZvCallsPage, zv_calls_page, ADW_TYPE_BIN)

enum {
  CALL_BACK,
  SHOW_DIALPAD,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
update_status (ZvCallsPage *self)
{
  g_autofree char *text = NULL;
  const char *icon = "network-transmit-receive-symbolic";
  const char *message = self->phone != NULL ? zv_phone_get_status_message (self->phone) : NULL;
  gboolean problem = FALSE;

  switch (self->phone != NULL ? zv_phone_get_state (self->phone) : ZV_PHONE_STATE_OFF)
    {
    case ZV_PHONE_STATE_READY:
      {
        const char *extension = zv_phone_get_extension (self->phone);

        icon = "phone-symbolic";
        if (extension != NULL && *extension != '\0')
          /* Translators: %s is the user's own extension number. */
          text = g_strdup_printf (_("Ready for calls · extension %s"), extension);
        else
          text = g_strdup (_("Ready for calls"));
      }
      break;
    case ZV_PHONE_STATE_NOT_SET_UP:
      icon = "phone-symbolic";
      text = g_strdup (message != NULL ? message : _("Your company has not set up calls for your account."));
      problem = TRUE;
      break;
    case ZV_PHONE_STATE_FAILED:
      icon = "dialog-warning-symbolic";
      /* Translators: %s says why, e.g. "The phone system refused the user name or password." */
      text = g_strdup_printf (_("Calls do not work right now. %s"), message != NULL ? message : "");
      problem = TRUE;
      break;
    case ZV_PHONE_STATE_OFF:
      text = g_strdup (_("Calls work after you sign in"));
      break;
    case ZV_PHONE_STATE_PROVISIONING:
    case ZV_PHONE_STATE_CONNECTING:
    default:
      text = g_strdup (_("Connecting to the phone system…"));
      break;
    }
  gtk_image_set_from_icon_name (self->status_icon, icon);
  gtk_label_set_label (self->status_label, text);
  if (problem)
    gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "error");
}

static void
update_stack (ZvCallsPage *self)
{
  ZvCallHistory *history = self->phone != NULL ? zv_phone_get_history (self->phone) : NULL;
  guint n = history != NULL ? g_list_model_get_n_items (G_LIST_MODEL (history)) : 0;

  gtk_stack_set_visible_child_name (self->stack, n > 0 ? "list" : "empty");
  adw_status_page_set_description (self->empty_page,
                                   self->phone != NULL ? _("Calls you make and receive appear here")
                                                       : _("Your call history appears here after you sign in"));
}

static char *
digits_of (const char *text)
{
  GString *digits = g_string_new (NULL);

  for (const char *p = text; *p != '\0'; p++)
    if (g_ascii_isdigit (*p))
      g_string_append_c (digits, *p);
  return g_string_free (digits, FALSE);
}

/* A search reads as a number when it holds digits and nothing but a number's separators. */
static gboolean
reads_as_number (const char *text)
{
  gboolean digit = FALSE;

  for (const char *p = text; *p != '\0'; p++)
    {
      if (g_ascii_isdigit (*p))
        digit = TRUE;
      else if (strchr ("+-() .", *p) == NULL)
        return FALSE;
    }
  return digit;
}

static gboolean
record_matches (gpointer item,
                gpointer user_data)
{
  ZvCallsPage *self = user_data;
  ZvCallRecord *record = item;
  const char *name = zv_call_record_get_peer_name (record);
  const char *number = zv_call_record_get_peer_number (record);
  g_autofree char *folded_name = NULL;
  g_autofree char *folded_number = NULL;

  if (self->filter_text == NULL)
    return TRUE;
  if (self->filter_digits != NULL)
    {
      g_autofree char *number_digits = digits_of (number != NULL ? number : "");

      if (strstr (number_digits, self->filter_digits) != NULL)
        return TRUE;
    }
  folded_name = g_utf8_casefold (name != NULL ? name : "", -1);
  folded_number = g_utf8_casefold (number != NULL ? number : "", -1);
  return strstr (folded_name, self->filter_text) != NULL || strstr (folded_number, self->filter_text) != NULL;
}

/**
 * zv_calls_page_set_filter:
 * @text: (nullable): what the user typed in the search field; empty or %NULL shows every call
 *
 * Returns: %TRUE when a call matches (or there is no filter), so the window can say "No
 *   Results Found" otherwise
 */
gboolean
zv_calls_page_set_filter (ZvCallsPage *self,
                          const char  *text)
{
  g_autofree char *stripped = g_strstrip (g_strdup (text != NULL ? text : ""));
  GtkFilter *filter;

  g_return_val_if_fail (ZV_IS_CALLS_PAGE (self), FALSE);

  g_clear_pointer (&self->filter_text, g_free);
  g_clear_pointer (&self->filter_digits, g_free);
  if (*stripped != '\0')
    {
      self->filter_text = g_utf8_casefold (stripped, -1);
      if (reads_as_number (stripped))
        self->filter_digits = digits_of (stripped);
    }
  filter = gtk_filter_list_model_get_filter (self->filtered);
  gtk_filter_changed (filter, GTK_FILTER_CHANGE_DIFFERENT);
  return self->filter_text == NULL || g_list_model_get_n_items (G_LIST_MODEL (self->filtered)) > 0;
}

static void
update_description (ZvCallsPage *self)
{
  g_autoptr(ZvCallRecord) newest = g_list_model_get_item (G_LIST_MODEL (self->selection), 0);
  g_autofree char *row = NULL;
  g_autofree char *text = NULL;

  if (newest == NULL)
    {
      gtk_accessible_reset_property (GTK_ACCESSIBLE (self->list_view), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
      return;
    }
  row = zv_call_row_describe (newest);
  /* Translators: the call history's description for screen readers; %s is a row, e.g.
   * "Anna Smith, 2004 · Outgoing · 5 s, 14:05". */
  text = g_strdup_printf (_("Newest call: %s"), row);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->list_view), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text, -1);
}

/* Connected after the list's own handler, so the list already knows the new rows; the scroll
 * position is still the one of the last frame, which is what "was at the top" means. */
static void
selection_items_changed_cb (ZvCallsPage *self,
                            guint        position,
                            guint        removed,
                            guint        added)
{
  GtkAdjustment *vadjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (self->list_view));

  if (position == 0)
    update_description (self);
  if (position != 0 || added == 0)
    return;
  /* Scrolled down to an older call: the user is reading there; the anchor keeps that row put. */
  if (vadjustment != NULL && gtk_adjustment_get_value (vadjustment) > gtk_adjustment_get_lower (vadjustment))
    return;
  gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.scroll-to-item", "u", 0);
}

static void
activate_cb (ZvCallsPage *self,
             guint        position)
{
  g_autoptr(ZvCallRecord) record = g_list_model_get_item (G_LIST_MODEL (self->selection), position);

  if (record != NULL && *zv_call_record_get_peer_number (record) != '\0')
    g_signal_emit (self, signals[CALL_BACK], 0, zv_call_record_get_peer_number (record));
}

static void
dialpad_clicked_cb (ZvCallsPage *self)
{
  g_signal_emit (self, signals[SHOW_DIALPAD], 0);
}

static void
setup_row_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              gpointer                  user_data)
{
  gtk_list_item_set_child (item, g_object_new (ZV_TYPE_CALL_ROW, NULL));
}

static void
bind_row_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *item,
             gpointer                  user_data)
{
  zv_call_row_set_record (ZV_CALL_ROW (gtk_list_item_get_child (item)), gtk_list_item_get_item (item));
}

/**
 * zv_calls_page_set_phone:
 * @phone: (nullable): the signed-in account's phone
 */
void
zv_calls_page_set_phone (ZvCallsPage *self,
                         ZvPhone     *phone)
{
  ZvCallHistory *history;

  g_return_if_fail (ZV_IS_CALLS_PAGE (self));

  if (!g_set_object (&self->phone, phone))
    return;
  history = phone != NULL ? zv_phone_get_history (phone) : NULL;
  g_signal_group_set_target (self->phone_signals, phone);
  g_signal_group_set_target (self->history_signals, history);
  gtk_filter_list_model_set_model (self->filtered, history != NULL ? G_LIST_MODEL (history) : NULL);
  update_status (self);
  update_stack (self);
}

static void
zv_calls_page_dispose (GObject *object)
{
  ZvCallsPage *self = ZV_CALLS_PAGE (object);

  if (self->phone_signals != NULL)
    g_signal_group_set_target (self->phone_signals, NULL);
  if (self->history_signals != NULL)
    g_signal_group_set_target (self->history_signals, NULL);
  if (self->list_view != NULL)
    gtk_list_view_set_model (self->list_view, NULL);
  g_clear_object (&self->phone_signals);
  g_clear_object (&self->history_signals);
  g_clear_object (&self->selection);
  g_clear_object (&self->filtered);
  g_clear_pointer (&self->filter_text, g_free);
  g_clear_pointer (&self->filter_digits, g_free);
  g_clear_object (&self->phone);
  /* AdwBin unparents the template root itself; gtk_widget_dispose_template() would do it twice. */

  G_OBJECT_CLASS (zv_calls_page_parent_class)->dispose (object);
}

static void
zv_calls_page_class_init (ZvCallsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = zv_calls_page_dispose;

  /**
   * ZvCallsPage::call-back:
   * @number: the number of the call that was activated
   */
  signals[CALL_BACK] = g_signal_new ("call-back", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                     NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SHOW_DIALPAD] = g_signal_new ("show-dialpad", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                        NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, APPLICATION_PATH "/zv-calls-page.ui");
  gtk_widget_class_bind_template_child (widget_class, ZvCallsPage, status_icon);
  gtk_widget_class_bind_template_child (widget_class, ZvCallsPage, status_label);
  gtk_widget_class_bind_template_child (widget_class, ZvCallsPage, stack);
  gtk_widget_class_bind_template_child (widget_class, ZvCallsPage, empty_page);
  gtk_widget_class_bind_template_child (widget_class, ZvCallsPage, list_view);
  gtk_widget_class_bind_template_callback (widget_class, activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, dialpad_clicked_cb);
}

static void
zv_calls_page_init (ZvCallsPage *self)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();

  gtk_widget_init_template (GTK_WIDGET (self));

  g_signal_connect (factory, "setup", G_CALLBACK (setup_row_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row_cb), NULL);
  gtk_list_view_set_factory (self->list_view, factory);
  /* Not incremental: a history is a few hundred records, and a search answers at once. */
  self->filtered = gtk_filter_list_model_new (NULL, GTK_FILTER (gtk_custom_filter_new (record_matches, self, NULL)));
  self->selection = gtk_no_selection_new (G_LIST_MODEL (g_object_ref (self->filtered)));
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));
  g_signal_connect_object (self->selection, "items-changed", G_CALLBACK (selection_items_changed_cb), self,
                           G_CONNECT_SWAPPED);

  self->phone_signals = g_signal_group_new (ZV_TYPE_PHONE);
  g_signal_group_connect_swapped (self->phone_signals, "notify::state", G_CALLBACK (update_status), self);
  g_signal_group_connect_swapped (self->phone_signals, "notify::status-message", G_CALLBACK (update_status), self);
  self->history_signals = g_signal_group_new (ZV_TYPE_CALL_HISTORY);
  g_signal_group_connect_swapped (self->history_signals, "items-changed", G_CALLBACK (update_stack), self);
  update_status (self);
  update_stack (self);
}
