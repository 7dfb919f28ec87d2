/* zv-window-calls.c: ZvWindow's phone: loading the phone's module (zv-phone-ui.h), the Calls page,
 * the dial pad and the call view in the content pane, dialling from anywhere (a contact's Call, a
 * phone link, a call back from the history, the win.dial action), the incoming call's bar and
 * alert, and the Calls tab's count of missed calls. The rest of the window is in zv-window.c. */
#define G_LOG_DOMAIN "zveno"

#include "config.h"

#include <glib/gi18n.h>

#include "zv-window-private.h"

static GObject *
current_phone (ZvWindow *self)
{
  return self->session != NULL ? zv_session_get_phone (self->session) : NULL;
}

static void call_view_showing_cb (ZvWindow *self);
static void call_view_add_call_cb (ZvWindow *self);

/* The phone in the content pane: the dial pad, or the call while there is one. */
static void
show_phone_pane (ZvWindow *self)
{
  zv_window_ensure_phone_pane (self);
  adw_view_stack_set_visible_child_name (self->view_stack, "calls");
  gtk_stack_set_visible_child_name (self->content_stack, "calls");
  gtk_stack_set_visible_child_name (self->phone_stack,
                                    self->phone_ui->call_view_is_showing_call (self->call_view) ? "call" : "dialpad");
  zv_window_update_content_title (self);
  adw_leaflet_set_visible_child_name (self->leaflet, "content");
}

/* Calls @number at once with the default company number (a contact's Call, a phone link, a call
 * back from the history). */
void
zv_window_dial_number (ZvWindow   *self,
                       const char *number)
{
  GObject *phone;
  g_autoptr(GError) error = NULL;

  /* A call before the idle after the first frame loaded the module loads it now. */
  if (!zv_window_load_phone_ui (self))
    {
      g_autoptr(GError) load_error = NULL;

      zv_phone_ui_load (&load_error);
      zv_window_show_toast (self, load_error->message);
      return;
    }
  phone = current_phone (self);
  if (phone == NULL)
    {
      zv_window_show_toast (self, _("Calls work after you sign in."));
      return;
    }
  if (!self->phone_ui->phone_dial (phone, number, &error))
    {
      zv_window_show_toast (self, error->message);
      return;
    }
  show_phone_pane (self);
}

static void
calls_page_call_back_cb (ZvWindow   *self,
                         const char *number)
{
  zv_window_dial_number (self, number);
}

static void
calls_page_show_dialpad_cb (ZvWindow *self)
{
  show_phone_pane (self);
  self->phone_ui->dialpad_focus (self->dialpad);
}

static void
call_view_showing_cb (ZvWindow *self)
{
  /* A call (from anywhere: the dial pad, a contact, an answered ring) takes the content pane. */
  if (self->phone_ui->call_view_is_showing_call (self->call_view))
    show_phone_pane (self);
  else
    gtk_stack_set_visible_child_name (self->phone_stack, "dialpad");
}

/* Add Call: the dial pad while the call stays; dialling there holds it, and the view comes back. */
static void
call_view_add_call_cb (ZvWindow *self)
{
  gtk_stack_set_visible_child_name (self->phone_stack, "dialpad");
  self->phone_ui->dialpad_focus (self->dialpad);
}

static void
call_answered_cb (ZvWindow *self)
{
  gtk_window_present (GTK_WINDOW (self));
  show_phone_pane (self);
}

static void
zv_window_dial_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  const char *number = g_variant_get_string (parameter, NULL);

  if (g_str_has_prefix (number, "tel:"))
    number += 4;
  zv_window_dial_number (ZV_WINDOW (widget), number);
}

/* The Calls tab counts the missed calls the user has not seen; looking at the tab sees them. */
void
zv_window_update_missed_calls (ZvWindow *self)
{
  GObject *phone = current_phone (self);
  /* A phone is only made once the module is loaded. */
  ZvCallHistory *history = phone != NULL ? self->phone_ui->phone_get_history (phone) : NULL;
  guint missed = history != NULL ? zv_call_history_get_missed_count (history) : 0;

  /* The view stack announces its first page while the template is still being built. */
  if (self->calls_stack_page == NULL)
    return;
  if (missed > 0 && gtk_window_is_active (GTK_WINDOW (self)) &&
      g_strcmp0 (adw_view_stack_get_visible_child_name (self->view_stack), "calls") == 0)
    {
      zv_call_history_mark_seen (history);
      return;
    }
  adw_view_stack_page_set_badge_number (self->calls_stack_page, missed);
  adw_view_stack_page_set_needs_attention (self->calls_stack_page, missed > 0);
}

void
zv_window_phone_changed (ZvWindow *self)
{
  GObject *phone = current_phone (self);
  const ZvPhoneUi *ui = self->phone_ui;

  /* Without the module there are no phone widgets, and the session makes no phone; loading it
   * (zv_window_load_phone_ui()) calls this again. Before the Calls page and the phone pane are
   * made, zv_window_ensure_calls_page() and zv_window_ensure_phone_pane() give them the phone. */
  if (ui == NULL)
    return;
  if (self->calls_page != NULL)
    ui->calls_page_set_phone (self->calls_page, phone);
  if (self->call_view != NULL)
    {
      ui->dialpad_set_phone (self->dialpad, phone);
      ui->call_view_set_phone (self->call_view, phone);
    }
  ui->incoming_call_set_phone (self->incoming_call, phone);
  ui->call_alert_set_phone (self->call_alert, phone);
  g_signal_group_set_target (self->history_signals, phone != NULL ? ui->phone_get_history (phone) : NULL);
  zv_window_update_missed_calls (self);
}

/**
 * zv_window_ensure_phone_pane:
 *
 * Makes the dial pad and the call view (the Calls content pane) unless they are made. They are not
 * in the window's template because building and measuring them (~20 ms cold, the largest hidden
 * part of the window) would delay the first frame, where nobody sees them: they are made just
 * after it (zv-window.c), or earlier if something needs them first (the Calls page shown, a call).
 * The call view takes the phone's call in progress when it is given the phone, so nothing is
 * missed in between.
 */
void
zv_window_ensure_phone_pane (ZvWindow *self)
{
  GObject *phone;

  /* page_changed_cb() may run while the template is being built. */
  if (self->call_view != NULL || self->phone_stack == NULL || !zv_window_load_phone_ui (self))
    return;

  self->dialpad = self->phone_ui->dialpad_new ();
  self->call_view = self->phone_ui->call_view_new ();
  /* The dial pad first, so it is the page shown, as it was in the template. */
  gtk_stack_add_named (self->phone_stack, self->dialpad, "dialpad");
  gtk_stack_add_named (self->phone_stack, self->call_view, "call");
  g_signal_connect_object (self->dialpad, "back-to-call", G_CALLBACK (call_view_showing_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->call_view, "notify::showing", G_CALLBACK (call_view_showing_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->call_view, "add-call", G_CALLBACK (call_view_add_call_cb), self, G_CONNECT_SWAPPED);

  phone = current_phone (self);
  self->phone_ui->dialpad_set_phone (self->dialpad, phone);
  self->phone_ui->call_view_set_phone (self->call_view, phone);
}

/**
 * zv_window_ensure_calls_page:
 *
 * Makes the Calls sidebar page (the call history) unless it is made. Like the phone pane it is not
 * in the template: it is hidden behind the Chats page at start, and building and measuring it
 * (~6 ms cold) would delay the first frame. It is made when the Calls page is shown (also when it
 * is the page restored at start), or in the idle after the first frame (zv-window.c).
 */
void
zv_window_ensure_calls_page (ZvWindow *self)
{
  /* page_changed_cb() may run while the template is being built. */
  if (self->calls_page != NULL || self->calls_bin == NULL || !zv_window_load_phone_ui (self))
    return;

  self->calls_page = self->phone_ui->calls_page_new ();
  adw_bin_set_child (self->calls_bin, self->calls_page);
  g_signal_connect_object (self->calls_page, "call-back", G_CALLBACK (calls_page_call_back_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->calls_page, "show-dialpad", G_CALLBACK (calls_page_show_dialpad_cb), self,
                           G_CONNECT_SWAPPED);
  self->phone_ui->calls_page_set_phone (self->calls_page, current_phone (self));
}

/* In the Calls page's place when the module did not load: the messenger works, the phone does not. */
static void
show_calls_unavailable (ZvWindow   *self,
                        const char *message)
{
  GtkWidget *page;

  if (self->calls_bin == NULL)
    return;
  page = adw_status_page_new ();
  adw_status_page_set_icon_name (ADW_STATUS_PAGE (page), "call-start-symbolic");
  adw_status_page_set_title (ADW_STATUS_PAGE (page), _("Calls Are Unavailable"));
  adw_status_page_set_description (ADW_STATUS_PAGE (page), message);
  adw_bin_set_child (self->calls_bin, page);
}

/**
 * zv_window_load_phone_ui:
 *
 * Loads the phone's module (zv-phone-ui.h) unless it is loaded, then makes what the window needs
 * from it at once (the incoming call's bar and alert) and lets the session make the phone, which
 * starts the SIP registration. Called in the idle after the first frame (zv-window.c), or earlier
 * when something needs the phone (the Calls page restored at start, a call dialled).
 *
 * Returns: whether the module is loaded; if it failed, the Calls page and a toast say why.
 */
gboolean
zv_window_load_phone_ui (ZvWindow *self)
{
  g_autoptr(GError) error = NULL;
  const ZvPhoneUi *ui;

  if (self->phone_ui != NULL)
    return TRUE;
  if (self->phone_ui_failed)
    return FALSE;

  ui = zv_phone_ui_load (&error);
  if (ui == NULL)
    {
      self->phone_ui_failed = TRUE;
      show_calls_unavailable (self, error->message);
      zv_window_show_toast (self, error->message);
      return FALSE;
    }
  self->phone_ui = ui;

  self->call_alert = ui->call_alert_new ();
  g_signal_connect_object (self->call_alert, "answered", G_CALLBACK (call_answered_cb), self, G_CONNECT_SWAPPED);
  self->incoming_call = ui->incoming_call_new ();
  adw_bin_set_child (self->incoming_call_bin, self->incoming_call);
  g_signal_connect_object (self->incoming_call, "answered", G_CALLBACK (call_answered_cb), self, G_CONNECT_SWAPPED);

  /* The session made no phone without the module; it does now, if someone is signed in. Either
   * way the new widgets need the phone there is. */
  if (self->session != NULL)
    zv_session_start_phone (self->session);
  zv_window_phone_changed (self);
  return TRUE;
}

/* win.dial; called from zv_window_class_init(). */
void
zv_window_calls_class_init (GtkWidgetClass *widget_class)
{
  /* Calls a number at once: phone links in messages ("tel:+7..."), anything else with a number. */
  gtk_widget_class_install_action (widget_class, "win.dial", "s", zv_window_dial_action);
}

/* The missed-call count; called from zv_window_init(). The alert waits for the module. */
void
zv_window_calls_init (ZvWindow *self)
{
  self->history_signals = g_signal_group_new (ZV_TYPE_CALL_HISTORY);
  g_signal_group_connect_swapped (self->history_signals, "notify::missed-count", G_CALLBACK (zv_window_update_missed_calls), self);
}
