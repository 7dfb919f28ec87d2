/* zv-phone-ui.h: the phone's part of the app (the session's ZvPhone, the Calls page, the dial pad,
 * the call view, the incoming-call bar and alert, the Sound preferences page) lives in a module,
 * libzveno-phone-ui, with libzveno-phone, sofia-sip and GStreamer. The `zveno` executable does not
 * link them: relocating them before main() cost ~4 ms of every start (docs/PERFORMANCE.md, "The
 * phone's libraries"), and the first frame needs none of them. The window loads the module just
 * after its first frame (or earlier, when something needs the phone first) and reaches it only
 * through ZvPhoneUi, the table of functions the module's one exported entry point returns.
 * The module calls the app's own functions (core, zv-format) back: `zveno` exports its symbols. */
#pragma once

#include <adwaita.h>

#include "zv-account.h"
#include "zv-call-history.h"
#include "zv-events.h"

G_BEGIN_DECLS

/* Bumped whenever ZvPhoneUi changes, so that a stale module is refused instead of called wrongly. */
#define ZV_PHONE_UI_VERSION 1
/* The module's one exported symbol: a ZvPhoneUiEntry. */
#define ZV_PHONE_UI_ENTRY "zv_phone_ui_module_get"

/* The phone objects travel as GObject (a ZvPhone, a ZvCallAlert) and the widgets as GtkWidget:
 * their types are registered by the module, so the app cannot name them. */
typedef struct
{
  guint version;   /* ZV_PHONE_UI_VERSION */

  /* The signed-in account's phone (ZvSession). */
  GObject       *(*phone_new)                 (ZvAccount   *account,
                                               ZvEvents    *events);
  void           (*phone_start)               (GObject     *phone);
  void           (*phone_stop)                (GObject     *phone);
  ZvCallHistory *(*phone_get_history)         (GObject     *phone);
  /* Calls @number at once with the default company number. */
  gboolean       (*phone_dial)                (GObject     *phone,
                                               const char  *number,
                                               GError     **error);

  /* The Calls sidebar page (the call history); signals "call-back" (number) and "show-dialpad". */
  GtkWidget     *(*calls_page_new)            (void);
  void           (*calls_page_set_phone)      (GtkWidget   *page,
                                               GObject     *phone);
  gboolean       (*calls_page_set_filter)     (GtkWidget   *page,
                                               const char  *text);

  /* The dial pad; signal "back-to-call". */
  GtkWidget     *(*dialpad_new)               (void);
  void           (*dialpad_set_phone)         (GtkWidget   *dialpad,
                                               GObject     *phone);
  void           (*dialpad_focus)             (GtkWidget   *dialpad);

  /* The call in progress; property "showing", signal "add-call". */
  GtkWidget     *(*call_view_new)             (void);
  void           (*call_view_set_phone)       (GtkWidget   *view,
                                               GObject     *phone);
  gboolean       (*call_view_is_showing_call) (GtkWidget   *view);

  /* The bar over the window while a call rings; signal "answered". */
  GtkWidget     *(*incoming_call_new)         (void);
  void           (*incoming_call_set_phone)   (GtkWidget   *bar,
                                               GObject     *phone);

  /* The ringing call's notification and ringtone; signal "answered". */
  GObject       *(*call_alert_new)            (void);
  void           (*call_alert_set_phone)      (GObject     *alert,
                                               GObject     *phone);

  /* The Preferences window's Sound page (an AdwPreferencesPage). */
  GtkWidget     *(*sound_page_new)            (GSettings   *settings);
} ZvPhoneUi;

typedef const ZvPhoneUi *(*ZvPhoneUiEntry) (void);

#define ZV_PHONE_UI_ERROR (zv_phone_ui_error_quark ())

typedef enum {
  ZV_PHONE_UI_ERROR_LOAD,   /* the module is missing, broken or of another version */
} ZvPhoneUiError;

GQuark           zv_phone_ui_error_quark (void);

const ZvPhoneUi *zv_phone_ui_load        (GError **error);
const ZvPhoneUi *zv_phone_ui_peek        (void);

G_END_DECLS
