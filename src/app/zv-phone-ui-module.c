/* zv-phone-ui-module.c: the entry point of libzveno-phone-ui, the module the app loads after its
 * first frame (see zv-phone-ui.h): the table that lets the window, the session and the Preferences
 * window reach the phone's objects and widgets without linking them. */
#define G_LOG_DOMAIN "zveno"

#include "config.h"

#include <gmodule.h>

#include "zv-call-alert.h"
#include "zv-call-view.h"
#include "zv-calls-page.h"
#include "zv-dialpad.h"
#include "zv-incoming-call.h"
#include "zv-phone-ui.h"
#include "zv-phone.h"
#include "zv-sound-page.h"

G_MODULE_EXPORT const ZvPhoneUi *zv_phone_ui_module_get (void);

/* ZV_PHONE (NULL) would complain: the window passes NULL while nobody is signed in. */
#define AS_PHONE(object) ((object) != NULL ? ZV_PHONE (object) : NULL)

static GObject *
phone_new (ZvAccount *account,
           ZvEvents  *events)
{
  return G_OBJECT (zv_phone_new (account, events));
}

static void
phone_start (GObject *phone)
{
  zv_phone_start (ZV_PHONE (phone));
}

static void
phone_stop (GObject *phone)
{
  zv_phone_stop (ZV_PHONE (phone));
}

static ZvCallHistory *
phone_get_history (GObject *phone)
{
  return zv_phone_get_history (ZV_PHONE (phone));
}

static gboolean
phone_dial (GObject     *object,
            const char  *number,
            GError     **error)
{
  ZvPhone *phone = ZV_PHONE (object);

  return zv_phone_dial (phone, number, zv_phone_get_caller_id_number (phone, zv_phone_get_default_caller_id (phone)),
                        error) != NULL;
}

static GtkWidget *
calls_page_new (void)
{
  return g_object_new (ZV_TYPE_CALLS_PAGE, NULL);
}

static void
calls_page_set_phone (GtkWidget *page,
                      GObject   *phone)
{
  zv_calls_page_set_phone (ZV_CALLS_PAGE (page), AS_PHONE (phone));
}

static gboolean
calls_page_set_filter (GtkWidget  *page,
                       const char *text)
{
  return zv_calls_page_set_filter (ZV_CALLS_PAGE (page), text);
}

static GtkWidget *
dialpad_new (void)
{
  return g_object_new (ZV_TYPE_DIALPAD, NULL);
}

static void
dialpad_set_phone (GtkWidget *dialpad,
                   GObject   *phone)
{
  zv_dialpad_set_phone (ZV_DIALPAD (dialpad), AS_PHONE (phone));
}

static void
dialpad_focus (GtkWidget *dialpad)
{
  zv_dialpad_focus (ZV_DIALPAD (dialpad));
}

static GtkWidget *
call_view_new (void)
{
  return g_object_new (ZV_TYPE_CALL_VIEW, NULL);
}

static void
call_view_set_phone (GtkWidget *view,
                     GObject   *phone)
{
  zv_call_view_set_phone (ZV_CALL_VIEW (view), AS_PHONE (phone));
}

static gboolean
call_view_is_showing_call (GtkWidget *view)
{
  return zv_call_view_is_showing_call (ZV_CALL_VIEW (view));
}

static GtkWidget *
incoming_call_new (void)
{
  return g_object_new (ZV_TYPE_INCOMING_CALL, NULL);
}

static void
incoming_call_set_phone (GtkWidget *bar,
                         GObject   *phone)
{
  zv_incoming_call_set_phone (ZV_INCOMING_CALL (bar), AS_PHONE (phone));
}

static GObject *
call_alert_new (void)
{
  return G_OBJECT (zv_call_alert_new ());
}

static void
call_alert_set_phone (GObject *alert,
                      GObject *phone)
{
  zv_call_alert_set_phone (ZV_CALL_ALERT (alert), AS_PHONE (phone));
}

static GtkWidget *
sound_page_new (GSettings *settings)
{
  return GTK_WIDGET (zv_sound_page_new (settings));
}

static const ZvPhoneUi phone_ui = {
  .version = ZV_PHONE_UI_VERSION,
  .phone_new = phone_new,
  .phone_start = phone_start,
  .phone_stop = phone_stop,
  .phone_get_history = phone_get_history,
  .phone_dial = phone_dial,
  .calls_page_new = calls_page_new,
  .calls_page_set_phone = calls_page_set_phone,
  .calls_page_set_filter = calls_page_set_filter,
  .dialpad_new = dialpad_new,
  .dialpad_set_phone = dialpad_set_phone,
  .dialpad_focus = dialpad_focus,
  .call_view_new = call_view_new,
  .call_view_set_phone = call_view_set_phone,
  .call_view_is_showing_call = call_view_is_showing_call,
  .incoming_call_new = incoming_call_new,
  .incoming_call_set_phone = incoming_call_set_phone,
  .call_alert_new = call_alert_new,
  .call_alert_set_phone = call_alert_set_phone,
  .sound_page_new = sound_page_new,
};

/* The module's one exported symbol (ZV_PHONE_UI_ENTRY). */
const ZvPhoneUi *
zv_phone_ui_module_get (void)
{
  return &phone_ui;
}
