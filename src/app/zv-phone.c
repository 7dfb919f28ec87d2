/* zv-phone.c: ZvPhone, the softphone as the app lives with it.
 *
 * Started once the account is signed in and its event stream runs: GET /telephony gives the SIP
 * account and the company's caller ids, a ZvSipAccount registers it (and retries by itself), and
 * the call history is fetched. Outgoing calls resolve an extension through the directory in the
 * cache (the phone system knows people by login, people know each other by extension). Each call
 * carries a ZvPhoneCallInfo (number, name, times) on its object data; when it ends it is reported to the
 * history (POST /calls) and its statistics to /stats/calls.
 *
 * Two calls at most: the one in the foreground (ZvPhone:call) and one on hold (ZvPhone:held-call).
 * A call coming in while one runs waits as ZvPhone:incoming-call (call waiting) for Hold and
 * Answer, End and Answer or Decline; a third caller hears busy. Dialling during a call holds it
 * first (Add Call); with two calls the held one can be swapped in or transferred to the other
 * (attended transfer), or the two merged into a three-way conference (ZvPhone:conference, mixed
 * here: both far ends hear us and each other; Hang Up ends both, and when one far end leaves the
 * other goes on as an ordinary call). When the foreground call ends the held one stays held
 * until resumed.
 * Sound devices: zv-phone-devices.c.
 */
#define G_LOG_DOMAIN "zveno"

#include "config.h"

#include <glib/gi18n.h>
#include <gtk/gtk.h>
#include <string.h>

#include "zv-error.h"
#include "zv-json.h"
#include "zv-phone-private.h"

G_DEFINE_FINAL_TYPE (ZvPhone, zv_phone, G_TYPE_OBJECT)

G_DEFINE_QUARK (zv-phone-app-error-quark, zv_phone_app_error)

G_DEFINE_ENUM_TYPE (ZvPhoneState, zv_phone_state,
                    G_DEFINE_ENUM_VALUE (ZV_PHONE_STATE_OFF, "off"),
                    G_DEFINE_ENUM_VALUE (ZV_PHONE_STATE_PROVISIONING, "provisioning"),
                    G_DEFINE_ENUM_VALUE (ZV_PHONE_STATE_NOT_SET_UP, "not-set-up"),
                    G_DEFINE_ENUM_VALUE (ZV_PHONE_STATE_CONNECTING, "connecting"),
                    G_DEFINE_ENUM_VALUE (ZV_PHONE_STATE_READY, "ready"),
                    G_DEFINE_ENUM_VALUE (ZV_PHONE_STATE_FAILED, "failed"))

enum {
  PROP_0,
  PROP_STATE,
  PROP_STATUS_MESSAGE,
  PROP_CALL,
  PROP_INCOMING_CALL,
  PROP_HELD_CALL,
  PROP_CONFERENCE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  CALL_ENDED,
  PEER_CHANGED,
  AUDIO_DEVICE_LOST,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

void
zv_phone_call_info_free (ZvPhoneCallInfo *info)
{
  g_free (info->sip_call_id);
  g_free (info->number);
  g_free (info->name);
  g_free (info->detail);
  g_free (info->caller_id);
  g_free (info);
}

void
zv_phone_emit_peer_changed (ZvPhone *self,
                            ZvCall  *call)
{
  g_signal_emit (self, signals[PEER_CHANGED], 0, call);
}

void
zv_phone_emit_audio_device_lost (ZvPhone    *self,
                                 const char *message)
{
  g_signal_emit (self, signals[AUDIO_DEVICE_LOST], 0, message);
}

static void
set_state (ZvPhone      *self,
           ZvPhoneState  state,
           const char   *message)
{
  if (g_strcmp0 (self->status_message, message) != 0)
    {
      g_free (self->status_message);
      self->status_message = g_strdup (message);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS_MESSAGE]);
    }
  if (self->state == state)
    return;
  g_debug ("phone: state %d -> %d", self->state, state);
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

/* ---- calls ------------------------------------------------------------------------------------------ */

static void
call_state_cb (ZvCall     *call,
               GParamSpec *pspec,
               ZvPhone    *self)
{
  ZvPhoneCallInfo *info = zv_phone_call_info (call);
  ZvCallState state = zv_call_get_state (call);

  if (state == ZV_CALL_STATE_ACTIVE && info->answered_at == 0)
    info->answered_at = g_get_real_time () / 1000;
  if (state != ZV_CALL_STATE_ENDED)
    return;

  info->ended_at = g_get_real_time () / 1000;
  if (info->answered_at > 0)
    {
      ZvCallStats last = { 0 };

      zv_call_get_stats (call, &last);
      if (last.mos > 0)
        info->stats = last;
    }
  g_signal_handlers_disconnect_by_data (call, self);
  /* Declined calls were reported by zv_phone_decline with their own status. */
  if (!GPOINTER_TO_INT (g_object_get_data (G_OBJECT (call), "zv-phone-reported")))
    zv_phone_report_call (self, call, zv_phone_final_status (call));

  /* Kept alive until the handlers below have seen it. */
  g_object_ref (call);
  zv_phone_conference_call_ended (self, call);
  if (call == self->incoming)
    {
      g_clear_object (&self->incoming);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INCOMING_CALL]);
    }
  if (call == self->call)
    {
      g_clear_object (&self->call);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CALL]);
    }
  if (call == self->held)
    {
      g_clear_object (&self->held);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HELD_CALL]);
    }
  g_signal_emit (self, signals[CALL_ENDED], 0, call);
  g_object_unref (call);
}

static char *
new_call_id (ZvPhone *self)
{
  g_autofree char *uuid = g_uuid_string_random ();

  /* Until the dialog has a SIP Call-ID (see use_sip_call_id), one of our own. */
  return g_strdup_printf ("%s@zveno", uuid);
}

static void
attach_call (ZvPhone    *self,
             ZvCall     *call,
             const char *number,
             const char *name,
             const char *detail,
             const char *caller_id)
{
  ZvPhoneCallInfo *info = g_new0 (ZvPhoneCallInfo, 1);

  info->sip_call_id = new_call_id (self);
  info->number = g_strdup (number);
  info->name = g_strdup (name);
  info->detail = g_strdup (detail);
  info->caller_id = g_strdup (caller_id);
  info->started_at = g_get_real_time () / 1000;
  g_object_set_data_full (G_OBJECT (call), ZV_PHONE_CALL_INFO_KEY, info, (GDestroyNotify) zv_phone_call_info_free);
  /* Weak: a call can outlive the phone (an async report), and then finds no phone. */
  g_object_set_data (G_OBJECT (call), "zv-phone", self);
  g_signal_connect_object (call, "notify::state", G_CALLBACK (call_state_cb), self, 0);
}

/* The history and the backend know a call by its SIP Call-ID once the dialog has one. */
static void
use_sip_call_id (ZvCall *call)
{
  ZvPhoneCallInfo *info = zv_phone_call_info (call);
  const char *id = zv_call_get_sip_call_id (call);

  if (id != NULL && *id != '\0')
    {
      g_free (info->sip_call_id);
      info->sip_call_id = g_strdup (id);
    }
}

static void
incoming_call_cb (ZvSipAccount *sip,
                  ZvCall       *call,
                  ZvPhone      *self)
{
  g_autofree char *user = zv_phone_uri_user (zv_call_get_remote_uri (call));
  g_autofree char *name = NULL;
  g_autofree char *detail = NULL;
  g_autofree char *extension = NULL;
  const char *number = user;

  /* Colleagues call as their login: show them by name and extension. */
  if (zv_phone_lookup_user (self, user, FALSE, NULL, &name, &detail, &extension) && *extension != '\0')
    number = extension;
  attach_call (self, call, number, name, detail, NULL);
  use_sip_call_id (call);

  if (self->incoming != NULL || (self->call != NULL && self->held != NULL))
    {
      /* Two calls and one waiting at most: a third caller hears busy, and the history shows the
       * attempt. */
      g_object_set_data (G_OBJECT (call), "zv-phone-reported", GINT_TO_POINTER (TRUE));
      zv_phone_report_call (self, call, ZV_CALL_STATUS_MISSED);
      zv_call_decline (call);
      return;
    }
  self->incoming = g_object_ref (call);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INCOMING_CALL]);
  zv_phone_identify_peer (self, call);
}

/**
 * zv_phone_transfer:
 * @number: whom to hand the call over to (a number, an extension, a SIP address)
 *
 * Blind transfer of the call in progress (REFER): the far end calls @number instead of us.
 */
gboolean
zv_phone_transfer (ZvPhone     *self,
                   const char  *number,
                   GError     **error)
{
  g_autofree char *uri = NULL;
  g_autofree char *shown = NULL;
  g_autofree char *name = NULL;
  g_autofree char *detail = NULL;

  g_return_val_if_fail (ZV_IS_PHONE (self), FALSE);
  g_return_val_if_fail (number != NULL, FALSE);

  if (self->call == NULL || self->domain == NULL)
    {
      g_set_error_literal (error, ZV_PHONE_APP_ERROR, ZV_PHONE_APP_ERROR_NOT_READY, _("There is no call to transfer."));
      return FALSE;
    }
  uri = zv_phone_resolve (self, number, &shown, &name, &detail, error);
  return uri != NULL && zv_call_transfer (self->call, uri, error);
}

/**
 * zv_phone_transfer_to_other:
 *
 * Attended transfer with two calls: the held party is asked (REFER with Replaces) to call the party
 * of the call in the foreground in our place, and the two talk to each other. Both of our calls
 * end once it worked: the held one as transferred, the other when its far end is replaced.
 */
gboolean
zv_phone_transfer_to_other (ZvPhone  *self,
                            GError  **error)
{
  g_return_val_if_fail (ZV_IS_PHONE (self), FALSE);

  if (self->call == NULL || self->held == NULL)
    {
      g_set_error_literal (error, ZV_PHONE_APP_ERROR, ZV_PHONE_APP_ERROR_NOT_READY,
                           _("A transfer to the other call needs two calls."));
      return FALSE;
    }
  return zv_call_transfer_attended (self->held, self->call, error);
}

/* Sends the call in the foreground to the held slot (Add Call, Hold and Answer). */
static gboolean
hold_current (ZvPhone  *self,
              GError  **error)
{
  if (self->call == NULL)
    return TRUE;
  g_assert (self->held == NULL);
  if (zv_call_get_state (self->call) != ZV_CALL_STATE_ACTIVE)
    {
      g_set_error_literal (error, ZV_PHONE_APP_ERROR, ZV_PHONE_APP_ERROR_BUSY,
                           _("Wait until the current call is answered, or hang it up."));
      return FALSE;
    }
  if (!zv_call_hold (self->call, error))
    return FALSE;
  self->held = g_steal_pointer (&self->call);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HELD_CALL]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CALL]);
  return TRUE;
}

/* Undoes hold_current() when what it made room for did not happen. */
static void
unhold_current (ZvPhone *self)
{
  g_autoptr(GError) error = NULL;

  if (self->call != NULL || self->held == NULL)
    return;
  self->call = g_steal_pointer (&self->held);
  if (!zv_call_resume (self->call, &error))
    g_debug ("phone: the held call stays held: %s", error->message);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HELD_CALL]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CALL]);
}

/**
 * zv_phone_dial:
 * @number: what the user typed or pasted: a number, an extension or a SIP address
 * @caller_id: (nullable): the company number to present
 *
 * Starts an outgoing call; it becomes ZvPhone:call. A call in progress is put on hold first and
 * becomes ZvPhone:held-call (Add Call).
 *
 * Returns: (transfer none): the call, or %NULL with @error (ZV_PHONE_ERROR for a number that
 *   cannot be dialled, ZV_PHONE_APP_ERROR when the phone cannot call now)
 */
ZvCall *
zv_phone_dial (ZvPhone     *self,
               const char  *number,
               const char  *caller_id,
               GError     **error)
{
  g_autofree char *uri = NULL;
  g_autofree char *name = NULL;
  g_autofree char *detail = NULL;
  g_autofree char *shown = NULL;
  g_autoptr(ZvCall) call = NULL;

  g_return_val_if_fail (ZV_IS_PHONE (self), NULL);
  g_return_val_if_fail (number != NULL, NULL);

  if (self->sip == NULL)
    {
      g_set_error_literal (error, ZV_PHONE_APP_ERROR, ZV_PHONE_APP_ERROR_NOT_READY,
                           self->state == ZV_PHONE_STATE_NOT_SET_UP
                           ? _("Your company has not set up calls for your account.")
                           : _("The phone is not connected yet. Try again in a moment."));
      return NULL;
    }
  if (self->incoming != NULL || (self->call != NULL && self->held != NULL))
    {
      g_set_error_literal (error, ZV_PHONE_APP_ERROR, ZV_PHONE_APP_ERROR_BUSY,
                           self->incoming != NULL ? _("Answer or decline the ringing call first.")
                                                  : _("Finish one of the two calls first."));
      return NULL;
    }

  uri = zv_phone_resolve (self, number, &shown, &name, &detail, error);
  if (uri == NULL || !hold_current (self, error))
    return NULL;

  call = zv_call_new_outgoing (self->sip, uri, caller_id);
  attach_call (self, call, shown, name, detail, caller_id);
  zv_call_set_media_files (call, NULL, NULL, FALSE);
  zv_phone_apply_sound (self, call);
  if (!zv_call_start (call, error))
    {
      unhold_current (self);
      return NULL;
    }
  use_sip_call_id (call);
  self->call = g_object_ref (call);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CALL]);
  zv_phone_identify_peer (self, call);
  return self->call;
}

/**
 * zv_phone_answer:
 *
 * Answers the ringing incoming call; it becomes ZvPhone:call. A call in progress is put on hold
 * first (Hold and Answer for a waiting call).
 */
gboolean
zv_phone_answer (ZvPhone  *self,
                 GError  **error)
{
  g_autoptr(ZvCall) call = NULL;

  g_return_val_if_fail (ZV_IS_PHONE (self), FALSE);

  if (self->incoming == NULL)
    {
      g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_CANCELLED, _("The call is no longer ringing."));
      return FALSE;
    }
  if (!hold_current (self, error))
    return FALSE;
  call = g_steal_pointer (&self->incoming);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INCOMING_CALL]);
  self->call = g_object_ref (call);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CALL]);
  zv_call_set_media_files (call, NULL, NULL, FALSE);
  zv_phone_apply_sound (self, call);
  /* A failure ends the call, and call_state_cb clears it again. */
  return zv_call_answer (call, error);
}

/**
 * zv_phone_end_and_answer:
 *
 * For a waiting call: hangs up the call in progress and answers the ringing one.
 */
gboolean
zv_phone_end_and_answer (ZvPhone  *self,
                         GError  **error)
{
  g_autoptr(ZvCall) ending = NULL;

  g_return_val_if_fail (ZV_IS_PHONE (self), FALSE);

  if (self->incoming == NULL)
    {
      g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_CANCELLED, _("The call is no longer ringing."));
      return FALSE;
    }
  /* Out of the foreground at once: its BYE may take a moment, the answer should not wait. */
  ending = g_steal_pointer (&self->call);
  if (ending != NULL)
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CALL]);
      zv_call_hangup (ending);
    }
  return zv_phone_answer (self, error);
}

/**
 * zv_phone_swap:
 *
 * The held call comes back (resumed) and the one in the foreground, if any, goes on hold.
 */
gboolean
zv_phone_swap (ZvPhone  *self,
               GError  **error)
{
  ZvCall *back;

  g_return_val_if_fail (ZV_IS_PHONE (self), FALSE);

  if (self->held == NULL)
    {
      g_set_error_literal (error, ZV_PHONE_APP_ERROR, ZV_PHONE_APP_ERROR_NOT_READY, _("There is no call on hold."));
      return FALSE;
    }
  if (self->call != NULL && zv_call_get_state (self->call) == ZV_CALL_STATE_ACTIVE &&
      !zv_call_hold (self->call, error))
    return FALSE;
  if (!zv_call_resume (self->held, error))
    {
      if (self->call != NULL && zv_call_get_state (self->call) == ZV_CALL_STATE_ACTIVE)
        zv_call_resume (self->call, NULL);
      return FALSE;
    }
  back = g_steal_pointer (&self->held);
  if (self->call != NULL && zv_call_get_state (self->call) != ZV_CALL_STATE_ACTIVE)
    /* Still ringing at the far end: swapping away gives it up. */
    zv_call_hangup (self->call);
  else
    self->held = g_steal_pointer (&self->call);
  self->call = back;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HELD_CALL]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CALL]);
  return TRUE;
}

void
zv_phone_decline (ZvPhone *self)
{
  g_autoptr(ZvCall) call = NULL;

  g_return_if_fail (ZV_IS_PHONE (self));

  if (self->incoming == NULL)
    return;
  call = g_object_ref (self->incoming);
  g_object_set_data (G_OBJECT (call), "zv-phone-reported", GINT_TO_POINTER (TRUE));
  zv_phone_call_info (call)->ended_at = g_get_real_time () / 1000;
  zv_phone_report_call (self, call, ZV_CALL_STATUS_REJECTED);
  zv_call_decline (call);
}

/* Ends the call in the foreground (or cancels it while it rings at the far end); a held call stays
 * held. A conference ends as a whole. */
void
zv_phone_hangup (ZvPhone *self)
{
  g_return_if_fail (ZV_IS_PHONE (self));

  if (self->conference != NULL)
    {
      g_autoptr(ZvConference) conference = g_object_ref (self->conference);

      zv_conference_hangup (conference);
      return;
    }
  if (self->call != NULL)
    zv_call_hangup (self->call);
}

ZvCall *
zv_phone_get_call (ZvPhone *self)
{
  g_return_val_if_fail (ZV_IS_PHONE (self), NULL);
  return self->call;
}

ZvCall *
zv_phone_get_incoming_call (ZvPhone *self)
{
  g_return_val_if_fail (ZV_IS_PHONE (self), NULL);
  return self->incoming;
}

ZvCall *
zv_phone_get_held_call (ZvPhone *self)
{
  g_return_val_if_fail (ZV_IS_PHONE (self), NULL);
  return self->held;
}

/* TRUE while the ringing call is a second one: another call runs or is held. */
gboolean
zv_phone_is_call_waiting (ZvPhone *self)
{
  g_return_val_if_fail (ZV_IS_PHONE (self), FALSE);
  return self->incoming != NULL && (self->call != NULL || self->held != NULL);
}

/* ---- provisioning and registration ------------------------------------------------------------- */

static void provision (ZvPhone *self);

static gboolean
provision_retry_cb (gpointer user_data)
{
  ZvPhone *self = user_data;

  self->provision_retry_id = 0;
  provision (self);
  return G_SOURCE_REMOVE;
}

static void
sip_state_cb (ZvPhone *self)
{
  const GError *error = zv_sip_account_get_error (self->sip);

  switch (zv_sip_account_get_state (self->sip))
    {
    case ZV_SIP_STATE_REGISTERED:
      set_state (self, ZV_PHONE_STATE_READY, NULL);
      break;
    case ZV_SIP_STATE_FAILED:
      {
        g_autofree char *message = NULL;
        guint retry = zv_sip_account_get_retry_seconds (self->sip);

        if (retry > 0)
          /* Translators: %s says why the phone could not connect; %u is seconds. */
          message = g_strdup_printf (_("%s Retrying in %u s."), error != NULL ? error->message : "", retry);
        else
          message = g_strdup (error != NULL ? error->message : _("The phone could not connect."));
        set_state (self, ZV_PHONE_STATE_FAILED, message);
      }
      break;
    case ZV_SIP_STATE_REGISTERING:
    case ZV_SIP_STATE_UNREGISTERED:
    default:
      if (self->state != ZV_PHONE_STATE_FAILED)
        set_state (self, ZV_PHONE_STATE_CONNECTING, NULL);
      break;
    }
}

static void
set_caller_ids (ZvPhone   *self,
                JsonArray *ids)
{
  guint n_old = g_list_model_get_n_items (G_LIST_MODEL (self->caller_ids));
  g_autoptr(GPtrArray) shown = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_set_size (self->caller_numbers, 0);
  self->default_caller_id = 0;
  for (guint i = 0; ids != NULL && i < json_array_get_length (ids); i++)
    {
      JsonObject *id = json_array_get_object_element (ids, i);
      const char *number, *label;

      if (id == NULL)
        continue;
      number = json_object_get_string_member_with_default (id, "number", "");
      label = json_object_get_string_member_with_default (id, "label", "");
      if (*number == '\0')
        continue;
      if (json_object_get_boolean_member_with_default (id, "default", FALSE))
        self->default_caller_id = self->caller_numbers->len;
      g_ptr_array_add (self->caller_numbers, g_strdup (number));
      /* Translators: a company caller id in the dial pad's selector: label, then the number. */
      g_ptr_array_add (shown, *label != '\0' ? g_strdup_printf (_("%s · %s"), label, number) : g_strdup (number));
    }
  g_ptr_array_add (shown, NULL);
  gtk_string_list_splice (self->caller_ids, 0, n_old, (const char * const *) shown->pdata);
}

static void
telephony_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(ZvPhone) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = zv_account_call_finish (ZV_ACCOUNT (object), result, &error);
  g_autofree char *aor = NULL;
  g_autofree char *proxy_uri = NULL;
  JsonObject *telephony, *sip;
  const char *username, *domain, *proxy, *transport, *password, *auth_username;

  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  if (answer == NULL)
    {
      /* Offline, most likely: the stream's reconnection brings us back; try again meanwhile. */
      set_state (self, ZV_PHONE_STATE_FAILED, error->message);
      self->provision_retry_id = g_timeout_add_seconds (15, provision_retry_cb, self);
      return;
    }
  if (!JSON_NODE_HOLDS_OBJECT (answer) ||
      (sip = zv_json_get_object (telephony = json_node_get_object (answer), "sip", &error)) == NULL)
    {
      set_state (self, ZV_PHONE_STATE_FAILED, error != NULL ? error->message : _("The server sent telephony settings that cannot be read."));
      return;
    }
  username = json_object_get_string_member_with_default (sip, "username", "");
  domain = json_object_get_string_member_with_default (sip, "domain", "");
  proxy = json_object_get_string_member_with_default (sip, "proxy", "");
  transport = json_object_get_string_member_with_default (sip, "transport", "udp");
  password = json_object_get_string_member_with_default (sip, "password", "");
  auth_username = json_object_get_string_member_with_default (sip, "auth_username", "");
  if (*username == '\0' || *domain == '\0' || *proxy == '\0')
    {
      set_state (self, ZV_PHONE_STATE_NOT_SET_UP, _("Your company has not set up calls for your account."));
      return;
    }

  g_free (self->extension);
  self->extension = g_strdup (json_object_get_string_member_with_default (telephony, "extension", ""));
  g_free (self->domain);
  self->domain = g_strdup (domain);
  set_caller_ids (self, json_object_has_member (telephony, "caller_ids")
                        ? json_object_get_array_member (telephony, "caller_ids") : NULL);

  aor = g_strdup_printf ("sip:%s@%s", username, domain);
  proxy_uri = g_strdup_printf ("sip:%s;transport=%s", proxy, *transport != '\0' ? transport : "udp");
  self->sip = zv_sip_account_new (aor, *auth_username != '\0' ? auth_username : NULL, password, proxy_uri, &error);
  if (self->sip == NULL)
    {
      set_state (self, ZV_PHONE_STATE_FAILED, error->message);
      return;
    }
  g_signal_connect_object (self->sip, "notify::state", G_CALLBACK (sip_state_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->sip, "incoming-call", G_CALLBACK (incoming_call_cb), self, 0);
  set_state (self, ZV_PHONE_STATE_CONNECTING, NULL);
  if (!zv_sip_account_start (self->sip, &error))
    {
      set_state (self, ZV_PHONE_STATE_FAILED, error->message);
      return;
    }
  sip_state_cb (self);
}

static void
provision (ZvPhone *self)
{
  if (self->sip != NULL)
    return;
  set_state (self, ZV_PHONE_STATE_PROVISIONING, NULL);
  zv_account_call_async (self->account, "GET", "/telephony", NULL, self->cancellable, telephony_cb, g_object_ref (self));
}

static void
fetched_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!zv_call_history_fetch_finish (ZV_CALL_HISTORY (object), result, &error))
    g_debug ("phone: call history not fetched: %s", error->message);
}

static void
event_applied_cb (ZvPhone    *self,
                  const char *type,
                  gint64      seq,
                  JsonNode   *data)
{
  if (g_strcmp0 (type, "call.updated") == 0 && JSON_NODE_HOLDS_OBJECT (data))
    zv_call_history_apply_async (self->history, json_node_get_object (data), self->cancellable, NULL, NULL);
}

static void
events_state_cb (ZvPhone *self)
{
  /* Every (re)connection: what was missed meanwhile, and the calls made while offline. */
  if (zv_events_get_state (self->events) == ZV_EVENTS_STATE_CONNECTED)
    {
      zv_call_history_fetch_async (self->history, self->account, self->cancellable, fetched_cb, NULL);
      if (self->sip == NULL && self->state == ZV_PHONE_STATE_FAILED && self->provision_retry_id != 0)
        {
          g_clear_handle_id (&self->provision_retry_id, g_source_remove);
          provision (self);
        }
    }
}

/**
 * zv_phone_start:
 *
 * Asks for the SIP account, registers it and fetches the call history.
 */
void
zv_phone_start (ZvPhone *self)
{
  g_return_if_fail (ZV_IS_PHONE (self));

  if (self->state != ZV_PHONE_STATE_OFF)
    return;
  g_signal_connect_object (self->events, "applied", G_CALLBACK (event_applied_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->events, "notify::state", G_CALLBACK (events_state_cb), self, G_CONNECT_SWAPPED);
  provision (self);
  zv_call_history_fetch_async (self->history, self->account, self->cancellable, fetched_cb, NULL);
}

static void
shutdown_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  zv_sip_account_shutdown_finish (ZV_SIP_ACCOUNT (object), result, NULL);
}

/**
 * zv_phone_stop:
 *
 * Ends any call and unregisters (signing out, quitting).
 */
void
zv_phone_stop (ZvPhone *self)
{
  g_return_if_fail (ZV_IS_PHONE (self));

  if (self->incoming != NULL)
    zv_phone_decline (self);
  if (self->call != NULL)
    zv_call_hangup (self->call);
  if (self->held != NULL)
    zv_call_hangup (self->held);
  g_clear_handle_id (&self->provision_retry_id, g_source_remove);
  if (self->sip != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->sip, self);
      /* The account keeps itself alive until the stack is down. */
      zv_sip_account_shutdown_async (self->sip, NULL, shutdown_cb, NULL);
      g_clear_object (&self->sip);
    }
  g_cancellable_cancel (self->cancellable);
  set_state (self, ZV_PHONE_STATE_OFF, NULL);
}

/* ---- accessors ------------------------------------------------------------------------------------- */

ZvPhoneState
zv_phone_get_state (ZvPhone *self)
{
  g_return_val_if_fail (ZV_IS_PHONE (self), ZV_PHONE_STATE_OFF);
  return self->state;
}

/* Why the phone is not ready, in the user's language; NULL when there is nothing to say. */
const char *
zv_phone_get_status_message (ZvPhone *self)
{
  g_return_val_if_fail (ZV_IS_PHONE (self), NULL);
  return self->status_message;
}

ZvCallHistory *
zv_phone_get_history (ZvPhone *self)
{
  g_return_val_if_fail (ZV_IS_PHONE (self), NULL);
  return self->history;
}

ZvAccount *
zv_phone_get_account (ZvPhone *self)
{
  g_return_val_if_fail (ZV_IS_PHONE (self), NULL);
  return self->account;
}

const char *
zv_phone_get_extension (ZvPhone *self)
{
  g_return_val_if_fail (ZV_IS_PHONE (self), NULL);
  return self->extension;
}

/**
 * zv_phone_get_caller_ids:
 *
 * Returns: (transfer none): the company numbers the user may present, as the selector shows them
 *   (a GtkStringList); only what /telephony provisions, never a personal number
 */
GListModel *
zv_phone_get_caller_ids (ZvPhone *self)
{
  g_return_val_if_fail (ZV_IS_PHONE (self), NULL);
  return G_LIST_MODEL (self->caller_ids);
}

const char *
zv_phone_get_caller_id_number (ZvPhone *self,
                               guint    position)
{
  g_return_val_if_fail (ZV_IS_PHONE (self), NULL);
  return position < self->caller_numbers->len ? g_ptr_array_index (self->caller_numbers, position) : NULL;
}

guint
zv_phone_get_default_caller_id (ZvPhone *self)
{
  g_return_val_if_fail (ZV_IS_PHONE (self), 0);
  return self->default_caller_id;
}

/* ---- GObject ----------------------------------------------------------------------------------------- */

static void
zv_phone_dispose (GObject *object)
{
  ZvPhone *self = ZV_PHONE (object);

  if (self->state != ZV_PHONE_STATE_OFF || self->sip != NULL)
    zv_phone_stop (self);
  g_clear_object (&self->conference);
  g_clear_object (&self->call);
  g_clear_object (&self->incoming);
  g_clear_object (&self->held);
  g_clear_object (&self->history);
  g_clear_object (&self->events);
  g_clear_object (&self->account);
  g_clear_object (&self->caller_ids);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->devices);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (zv_phone_parent_class)->dispose (object);
}

static void
zv_phone_finalize (GObject *object)
{
  ZvPhone *self = ZV_PHONE (object);

  g_ptr_array_unref (self->caller_numbers);
  g_free (self->status_message);
  g_free (self->extension);
  g_free (self->domain);

  G_OBJECT_CLASS (zv_phone_parent_class)->finalize (object);
}

static void
zv_phone_get_property (GObject    *object,
                       guint       prop_id,
                       GValue     *value,
                       GParamSpec *pspec)
{
  ZvPhone *self = ZV_PHONE (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_STATUS_MESSAGE:
      g_value_set_string (value, self->status_message);
      break;
    case PROP_CALL:
      g_value_set_object (value, self->call);
      break;
    case PROP_INCOMING_CALL:
      g_value_set_object (value, self->incoming);
      break;
    case PROP_HELD_CALL:
      g_value_set_object (value, self->held);
      break;
    case PROP_CONFERENCE:
      g_value_set_object (value, self->conference);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zv_phone_class_init (ZvPhoneClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = zv_phone_dispose;
  object_class->finalize = zv_phone_finalize;
  object_class->get_property = zv_phone_get_property;

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, ZV_TYPE_PHONE_STATE, ZV_PHONE_STATE_OFF,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_STATUS_MESSAGE] =
    g_param_spec_string ("status-message", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /* The call in progress: dialling, ringing at the far end, or talking. */
  properties[PROP_CALL] =
    g_param_spec_object ("call", NULL, NULL, ZV_TYPE_CALL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /* A call ringing here, waiting for Answer or Decline. */
  properties[PROP_INCOMING_CALL] =
    g_param_spec_object ("incoming-call", NULL, NULL, ZV_TYPE_CALL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /* The second call, on hold while ZvPhone:call talks (or until it is resumed). */
  properties[PROP_HELD_CALL] =
    g_param_spec_object ("held-call", NULL, NULL, ZV_TYPE_CALL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /* ZvPhone:call and ZvPhone:held-call merged into a three-way conference. */
  properties[PROP_CONFERENCE] =
    g_param_spec_object ("conference", NULL, NULL, ZV_TYPE_CONFERENCE,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * ZvPhone::call-ended:
   * @call: the call, with its number, name and Call-ID still readable
   *
   * A call of this phone is over (answered or not); it is being reported to the history.
   */
  signals[CALL_ENDED] = g_signal_new ("call-ended", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                      NULL, NULL, NULL, G_TYPE_NONE, 1, ZV_TYPE_CALL);
  /**
   * ZvPhone::peer-changed:
   *
   * The name or card of the person on @call became known.
   */
  signals[PEER_CHANGED] = g_signal_new ("peer-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                        NULL, NULL, NULL, G_TYPE_NONE, 1, ZV_TYPE_CALL);
  /**
   * ZvPhone::audio-device-lost:
   * @message: what happened, for the user
   *
   * A sound device a call used was unplugged; the call moved to the system default.
   */
  signals[AUDIO_DEVICE_LOST] = g_signal_new ("audio-device-lost", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                             NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
zv_phone_init (ZvPhone *self)
{
  self->cancellable = g_cancellable_new ();
  self->caller_ids = gtk_string_list_new (NULL);
  self->caller_numbers = g_ptr_array_new_with_free_func (g_free);
  self->settings = g_settings_new (SETTINGS_SCHEMA_ID);
}

/**
 * zv_phone_new:
 * @account: a signed-in account with its cache loaded
 * @events: the account's event stream (call.updated, reconnections)
 */
ZvPhone *
zv_phone_new (ZvAccount *account,
              ZvEvents  *events)
{
  ZvPhone *self;

  g_return_val_if_fail (ZV_IS_ACCOUNT (account), NULL);
  g_return_val_if_fail (ZV_IS_EVENTS (events), NULL);
  g_return_val_if_fail (zv_account_get_store (account) != NULL, NULL);

  self = g_object_new (ZV_TYPE_PHONE, NULL);
  self->account = g_object_ref (account);
  self->events = g_object_ref (events);
  self->history = zv_call_history_new (zv_account_get_store (account));
  return self;
}
