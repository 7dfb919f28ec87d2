/* zv-call-alert.c: ZvCallAlert.
 *
 * Follows ZvPhone:incoming-call. While a call rings: a libnotify notification (category
 * "x-gnome.call" per GNOME's convention, urgency critical so it stays up, the caller's name once
 * the directory or the CRM knows it) with Answer and Decline actions, and the ringtone. Answer
 * answers and emits ::answered so the window can come forward with the call; Decline declines.
 * When the call stops ringing for any reason (answered in the window, declined, the caller gave
 * up) the ringtone stops and the notification closes. A second call during a call (call waiting)
 * is a "Second call" with Decline, End and Answer, and Hold and Answer, and rings with the short
 * waiting tone rather than the ring.
 */
#define G_LOG_DOMAIN "zveno"

#include "config.h"

#include <glib/gi18n.h>
#include <libnotify/notify.h>

#include "zv-call-alert.h"
#include "zv-ringtone.h"

struct _ZvCallAlert
{
  GObject             parent_instance;

  /* owned */
  ZvPhone            *phone;
  GSignalGroup       *phone_signals;
  ZvRingtone         *ringtone;
  NotifyNotification *notification;
  ZvCall             *call;          /* the call the notification is about */
};

G_DEFINE_FINAL_TYPE (ZvCallAlert, zv_call_alert, G_TYPE_OBJECT)

enum {
  ANSWERED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
close_notification (ZvCallAlert *self)
{
  g_autoptr(GError) error = NULL;

  if (self->notification == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->notification, self);
  if (!notify_notification_close (self->notification, &error))
    g_debug ("call alert: notification not closed: %s", error->message);
  g_clear_object (&self->notification);
}

static void
answer_action_cb (NotifyNotification *n,
                  char               *action,
                  gpointer            user_data)
{
  ZvCallAlert *self = user_data;
  g_autoptr(GError) error = NULL;

  if (self->phone == NULL || zv_phone_get_incoming_call (self->phone) != self->call)
    return;
  zv_ringtone_stop (self->ringtone);
  if (!zv_phone_answer (self->phone, &error))
    g_debug ("call alert: answer failed: %s", error->message);
  g_signal_emit (self, signals[ANSWERED], 0);
}

static void
end_answer_action_cb (NotifyNotification *n,
                      char               *action,
                      gpointer            user_data)
{
  ZvCallAlert *self = user_data;
  g_autoptr(GError) error = NULL;

  if (self->phone == NULL || zv_phone_get_incoming_call (self->phone) != self->call)
    return;
  zv_ringtone_stop (self->ringtone);
  if (!zv_phone_end_and_answer (self->phone, &error))
    g_debug ("call alert: end and answer failed: %s", error->message);
  g_signal_emit (self, signals[ANSWERED], 0);
}

static void
decline_action_cb (NotifyNotification *n,
                   char               *action,
                   gpointer            user_data)
{
  ZvCallAlert *self = user_data;

  if (self->phone != NULL && zv_phone_get_incoming_call (self->phone) == self->call)
    zv_phone_decline (self->phone);
}

static void
notification_texts (ZvCall    *call,
                    gboolean   waiting,
                    char     **summary,
                    char     **body)
{
  const char *name = zv_phone_call_get_name (call);
  const char *detail = zv_phone_call_get_detail (call);
  const char *number = zv_phone_call_get_number (call);

  if (waiting)
    /* Translators: call waiting: %s calls while another call is in progress. */
    *summary = g_strdup_printf (_("Second call from %s"), name != NULL ? name : number);
  else
    *summary = g_strdup_printf (_("Incoming call from %s"), name != NULL ? name : number);
  if (name != NULL && detail != NULL)
    *body = g_strdup_printf ("%s\n%s", detail, number);
  else
    *body = g_strdup (name != NULL ? number : "");
}

static void
show_notification (ZvCallAlert *self)
{
  g_autofree char *summary = NULL;
  g_autofree char *body = NULL;
  g_autoptr(GError) error = NULL;
  gboolean waiting = zv_phone_is_call_waiting (self->phone);

  notification_texts (self->call, waiting, &summary, &body);
  if (self->notification != NULL)
    notify_notification_update (self->notification, summary, body, "call-start-symbolic");
  else
    {
      if (!notify_is_initted ())
        notify_init (g_get_application_name () != NULL ? g_get_application_name () : "Zveno");
      self->notification = notify_notification_new (summary, body, "call-start-symbolic");
      notify_notification_set_category (self->notification, "x-gnome.call");
      notify_notification_set_urgency (self->notification, NOTIFY_URGENCY_CRITICAL);
      notify_notification_set_hint_string (self->notification, "desktop-entry", APPLICATION_ID);
      notify_notification_set_app_name (self->notification, g_get_application_name ());
      notify_notification_set_timeout (self->notification, NOTIFY_EXPIRES_NEVER);
      notify_notification_add_action (self->notification, "decline", _("Decline"), decline_action_cb, self, NULL);
      /* A held call alone (the other one ended) leaves nothing to end: Answer keeps it held. */
      if (waiting && zv_phone_get_call (self->phone) != NULL)
        notify_notification_add_action (self->notification, "end-answer", _("End and Answer"),
                                        end_answer_action_cb, self, NULL);
      notify_notification_add_action (self->notification, "answer", waiting ? _("Hold and Answer") : _("Answer"),
                                      answer_action_cb, self, NULL);
    }
  /* No notification service (a bare session): the banner in the window still rings. */
  if (!notify_notification_show (self->notification, &error))
    g_debug ("call alert: notification not shown: %s", error->message);
}

static void
incoming_changed_cb (ZvCallAlert *self)
{
  ZvCall *call = self->phone != NULL ? zv_phone_get_incoming_call (self->phone) : NULL;

  if (call == self->call)
    return;
  close_notification (self);
  g_set_object (&self->call, call);
  if (call == NULL)
    {
      zv_ringtone_stop (self->ringtone);
      return;
    }
  show_notification (self);
  {
    g_autoptr(GstDevice) device = zv_phone_dup_ringing_device (self->phone);

    zv_ringtone_set_device (self->ringtone, device);
  }
  if (zv_phone_is_call_waiting (self->phone))
    zv_ringtone_play_waiting (self->ringtone);
  else
    zv_ringtone_play (self->ringtone);
}

static void
peer_changed_cb (ZvCallAlert *self,
                 ZvCall      *call)
{
  if (call == self->call && self->notification != NULL)
    show_notification (self);
}

void
zv_call_alert_set_phone (ZvCallAlert *self,
                         ZvPhone     *phone)
{
  g_return_if_fail (ZV_IS_CALL_ALERT (self));

  if (!g_set_object (&self->phone, phone))
    return;
  g_signal_group_set_target (self->phone_signals, phone);
  incoming_changed_cb (self);
}

gboolean
zv_call_alert_is_ringing (ZvCallAlert *self)
{
  g_return_val_if_fail (ZV_IS_CALL_ALERT (self), FALSE);
  return zv_ringtone_is_playing (self->ringtone);
}

static void
zv_call_alert_dispose (GObject *object)
{
  ZvCallAlert *self = ZV_CALL_ALERT (object);

  close_notification (self);
  if (self->phone_signals != NULL)
    g_signal_group_set_target (self->phone_signals, NULL);
  g_clear_object (&self->phone_signals);
  g_clear_object (&self->ringtone);
  g_clear_object (&self->call);
  g_clear_object (&self->phone);

  G_OBJECT_CLASS (zv_call_alert_parent_class)->dispose (object);
}

static void
zv_call_alert_class_init (ZvCallAlertClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = zv_call_alert_dispose;

  /**
   * ZvCallAlert::answered:
   *
   * The user answered from the notification: show the call.
   */
  signals[ANSWERED] = g_signal_new ("answered", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                    NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
zv_call_alert_init (ZvCallAlert *self)
{
  self->ringtone = zv_ringtone_new ();
  self->phone_signals = g_signal_group_new (ZV_TYPE_PHONE);
  g_signal_group_connect_swapped (self->phone_signals, "notify::incoming-call", G_CALLBACK (incoming_changed_cb), self);
  g_signal_group_connect_swapped (self->phone_signals, "peer-changed", G_CALLBACK (peer_changed_cb), self);
}

ZvCallAlert *
zv_call_alert_new (void)
{
  return g_object_new (ZV_TYPE_CALL_ALERT, NULL);
}
