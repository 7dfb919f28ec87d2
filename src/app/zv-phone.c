/* zv-phone.c: ZvPhone, the softphone as the app lives with it.
 *
 * Started once the account is signed in and its event stream runs: GET /telephony gives the SIP
 * account and the company's caller ids, a ZvSipAccount registers it (and retries by itself), and
 * the call history is fetched. Outgoing calls resolve an extension through the directory in the
 * cache (the phone system knows people by login, people know each other by extension). Each call
 * carries a CallInfo (number, name, times) on its object data; when it ends it is reported to the
 * history (POST /calls) and its statistics to /stats/calls. Only one call at a time: a second
 * incoming call while one rings or runs is refused as busy.
 */
#define G_LOG_DOMAIN "zveno"

#include "config.h"

#include <glib/gi18n.h>
#include <gtk/gtk.h>
#include <sofia-sip/su_uniqueid.h>
#include <string.h>

#include "zv-error.h"
#include "zv-json.h"
#include "zv-phone-number.h"
#include "zv-phone.h"

#define CALL_INFO_KEY "zv-phone-call-info"
/* The company's country for numbers typed without one (Russian trunk 8, +7). */
#define COUNTRY_CODE "7"

struct _ZvPhone
{
  GObject         parent_instance;

  /* owned */
  ZvAccount      *account;
  ZvEvents       *events;
  ZvCallHistory  *history;
  ZvSipAccount   *sip;
  ZvCall         *call;            /* the call in progress (outgoing, or an answered incoming one) */
  ZvCall         *incoming;        /* ringing here, not answered yet */
  GtkStringList  *caller_ids;      /* "Label · number" as the selector shows them */
  GPtrArray      *caller_numbers;  /* char*, the numbers in the same order */
  char           *status_message;
  char           *extension;
  char           *domain;
  GCancellable   *cancellable;

  ZvPhoneState    state;
  guint           default_caller_id;
  guint           provision_retry_id;
};

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
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  CALL_ENDED,
  PEER_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef struct {
  char   *sip_call_id;
  char   *number;        /* as the user reads it: an extension or a formatted number */
  char   *name;          /* from the directory or the CRM; NULL while unknown */
  char   *detail;        /* title and department, or the client's company */
  char   *caller_id;
  gint64  started_at;    /* ms since the epoch */
  gint64  answered_at;
  gint64  ended_at;
  ZvCallStats stats;     /* the last reading while the audio ran (the end's may be empty) */
} CallInfo;

static void
call_info_free (CallInfo *info)
{
  g_free (info->sip_call_id);
  g_free (info->number);
  g_free (info->name);
  g_free (info->detail);
  g_free (info->caller_id);
  g_free (info);
}

static CallInfo *
call_info (ZvCall *call)
{
  return call != NULL ? g_object_get_data (G_OBJECT (call), CALL_INFO_KEY) : NULL;
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

/* ---- who is on the other end ------------------------------------------------------------------- */

/* The directory entry with this login or extension, from the cache. */
static gboolean
lookup_user (ZvPhone     *self,
             const char  *column_value,
             gboolean     by_extension,
             char       **login,
             char       **name,
             char       **detail,
             char       **extension)
{
  ZvStore *store = zv_account_get_store (self->account);
  sqlite3_stmt *stmt;
  gboolean found = FALSE;

  if (store == NULL || column_value == NULL || *column_value == '\0')
    return FALSE;
  stmt = zv_db_prepare (zv_store_get_reader (store),
                        by_extension
                        ? "SELECT login, name, title, department, extension FROM users WHERE extension = ?1 LIMIT 1"
                        : "SELECT login, name, title, department, extension FROM users WHERE lower(login) = lower(?1) LIMIT 1",
                        NULL);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, column_value, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *title = zv_db_column_text (stmt, 2);
      const char *department = zv_db_column_text (stmt, 3);

      found = TRUE;
      if (login != NULL)
        *login = g_strdup (zv_db_column_text (stmt, 0));
      if (name != NULL)
        *name = g_strdup (zv_db_column_text (stmt, 1));
      if (detail != NULL)
        *detail = *title != '\0' && *department != '\0' ? g_strdup_printf ("%s, %s", title, department)
                                                        : g_strdup (*title != '\0' ? title : department);
      if (extension != NULL)
        *extension = g_strdup (zv_db_column_text (stmt, 4));
    }
  sqlite3_reset (stmt);
  return found;
}

static void
crm_lookup_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(ZvCall) call = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = zv_account_call_finish (ZV_ACCOUNT (object), result, &error);
  ZvPhone *self = g_object_get_data (G_OBJECT (call), "zv-phone");
  CallInfo *info = call_info (call);
  JsonObject *card, *client;
  const char *kind;

  if (answer == NULL || self == NULL || info == NULL || !JSON_NODE_HOLDS_OBJECT (answer))
    {
      if (error != NULL)
        g_debug ("phone: no card for %s: %s", info != NULL ? info->number : "?", error->message);
      return;
    }
  card = json_node_get_object (answer);
  kind = json_object_get_string_member_with_default (card, "kind", "unknown");
  if (g_str_equal (kind, "client") && (client = json_object_get_object_member (card, "client")) != NULL)
    {
      g_free (info->name);
      info->name = g_strdup (json_object_get_string_member_with_default (client, "name", ""));
      g_free (info->detail);
      info->detail = g_strdup (json_object_get_string_member_with_default (client, "company", ""));
    }
  else if (g_str_equal (kind, "user") && (client = json_object_get_object_member (card, "user")) != NULL)
    {
      g_free (info->name);
      info->name = g_strdup (json_object_get_string_member_with_default (client, "name", ""));
      g_free (info->detail);
      info->detail = g_strdup (json_object_get_string_member_with_default (client, "title", ""));
    }
  else
    return;
  g_signal_emit (self, signals[PEER_CHANGED], 0, call);
}

/* Fills in the name: the directory in the cache first, else the server's card (GET /crm/lookup). */
static void
identify_peer (ZvPhone *self,
               ZvCall  *call)
{
  CallInfo *info = call_info (call);
  g_autofree char *path = NULL;
  g_autofree char *escaped = NULL;

  if (info->name != NULL)
    return;
  if (lookup_user (self, info->number, TRUE, NULL, &info->name, &info->detail, NULL))
    {
      g_signal_emit (self, signals[PEER_CHANGED], 0, call);
      return;
    }
  escaped = g_uri_escape_string (info->number, NULL, FALSE);
  path = g_strdup_printf ("/crm/lookup?number=%s", escaped);
  zv_account_call_async (self->account, "GET", path, NULL, self->cancellable, crm_lookup_cb, g_object_ref (call));
}

/* ---- reporting ------------------------------------------------------------------------------------ */

static void
stats_posted_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = zv_account_call_finish (ZV_ACCOUNT (object), result, &error);

  if (answer == NULL)
    g_debug ("phone: call statistics not sent: %s", error->message);
}

static void
post_stats (ZvPhone *self,
            ZvCall  *call)
{
  CallInfo *info = call_info (call);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;
  gint64 setup = zv_call_get_setup_time_us (call);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "sip_call_id");
  json_builder_add_string_value (builder, info->sip_call_id);
  json_builder_set_member_name (builder, "codec");
  json_builder_add_string_value (builder, zv_call_get_codec_name (call) != NULL ? zv_call_get_codec_name (call) : "");
  json_builder_set_member_name (builder, "duration");
  json_builder_add_double_value (builder, zv_call_get_duration_us (call) / (double) G_USEC_PER_SEC);
  if (setup >= 0)
    {
      json_builder_set_member_name (builder, "setup_ms");
      json_builder_add_double_value (builder, setup / 1000.0);
    }
  json_builder_set_member_name (builder, "packets_sent");
  json_builder_add_int_value (builder, (gint64) zv_call_get_packets_sent (call));
  json_builder_set_member_name (builder, "packets_received");
  json_builder_add_int_value (builder, (gint64) zv_call_get_packets_received (call));
  if (info->stats.mos > 0)
    {
      json_builder_set_member_name (builder, "mos");
      json_builder_add_double_value (builder, info->stats.mos);
      json_builder_set_member_name (builder, "loss");
      json_builder_add_double_value (builder, info->stats.loss);
      json_builder_set_member_name (builder, "jitter_ms");
      json_builder_add_double_value (builder, info->stats.jitter_ms);
      if (info->stats.rtt_ms >= 0)
        {
          json_builder_set_member_name (builder, "rtt_ms");
          json_builder_add_double_value (builder, info->stats.rtt_ms);
        }
    }
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);
  zv_account_call_async (self->account, "POST", "/stats/calls", body, self->cancellable, stats_posted_cb, NULL);
}

static void
reported_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(ZvCall) call = user_data;
  g_autoptr(GError) error = NULL;
  ZvPhone *self = g_object_get_data (G_OBJECT (call), "zv-phone");

  if (zv_call_history_report_finish (ZV_CALL_HISTORY (object), result, &error) == 0)
    {
      /* Kept in the cache as unreported; the next fetch posts it again. */
      g_debug ("phone: call not reported yet: %s", error->message);
      return;
    }
  if (self != NULL && zv_call_get_state (call) == ZV_CALL_STATE_ENDED && zv_phone_call_get_answered_at (call) > 0)
    post_stats (self, call);
}

static ZvCallStatus
final_status (ZvCall   *call,
              CallInfo *info)
{
  const GError *error = zv_call_get_error (call);

  if (info->answered_at > 0)
    return ZV_CALL_STATUS_ANSWERED;
  if (error == NULL)
    /* Hung up before an answer: the caller gave up (incoming) or we did (outgoing). An incoming
     * call we declined went through zv_phone_decline, which says so itself. */
    return ZV_CALL_STATUS_MISSED;
  if (g_error_matches (error, ZV_SIP_ERROR, ZV_SIP_ERROR_BUSY))
    return ZV_CALL_STATUS_BUSY;
  if (g_error_matches (error, ZV_SIP_ERROR, ZV_SIP_ERROR_DECLINED))
    return ZV_CALL_STATUS_REJECTED;
  if (g_error_matches (error, ZV_SIP_ERROR, ZV_SIP_ERROR_CANCELLED))
    return ZV_CALL_STATUS_MISSED;
  return ZV_CALL_STATUS_FAILED;
}

static void
report_call (ZvPhone      *self,
             ZvCall       *call,
             ZvCallStatus  status)
{
  CallInfo *info = call_info (call);
  ZvCallReport report = {
    .sip_call_id = info->sip_call_id,
    .incoming = zv_call_is_incoming (call),
    .peer_number = info->number,
    .peer_name = info->name,
    .caller_id = info->caller_id,
    .status = status,
    .started_at = info->started_at,
    .answered_at = info->answered_at,
    .ended_at = info->ended_at,
  };

  zv_call_history_report_async (self->history, self->account, &report, self->cancellable, reported_cb,
                                g_object_ref (call));
}

/* ---- calls ------------------------------------------------------------------------------------------ */

static void
call_state_cb (ZvCall     *call,
               GParamSpec *pspec,
               ZvPhone    *self)
{
  CallInfo *info = call_info (call);
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
    report_call (self, call, final_status (call, info));

  /* Kept alive until the handlers below have seen it. */
  g_object_ref (call);
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
  CallInfo *info = g_new0 (CallInfo, 1);

  info->sip_call_id = new_call_id (self);
  info->number = g_strdup (number);
  info->name = g_strdup (name);
  info->detail = g_strdup (detail);
  info->caller_id = g_strdup (caller_id);
  info->started_at = g_get_real_time () / 1000;
  g_object_set_data_full (G_OBJECT (call), CALL_INFO_KEY, info, (GDestroyNotify) call_info_free);
  /* Weak: a call can outlive the phone (an async report), and then finds no phone. */
  g_object_set_data (G_OBJECT (call), "zv-phone", self);
  g_signal_connect_object (call, "notify::state", G_CALLBACK (call_state_cb), self, 0);
}

/* The history and the backend know a call by its SIP Call-ID once the dialog has one. */
static void
use_sip_call_id (ZvCall *call)
{
  CallInfo *info = call_info (call);
  const char *id = zv_call_get_sip_call_id (call);

  if (id != NULL && *id != '\0')
    {
      g_free (info->sip_call_id);
      info->sip_call_id = g_strdup (id);
    }
}

/* The user part of a SIP URI: "sip:anna@host;transport=udp" -> "anna". */
static char *
uri_user (const char *uri)
{
  const char *start = uri, *end;

  if (g_str_has_prefix (start, "sips:"))
    start += 5;
  else if (g_str_has_prefix (start, "sip:"))
    start += 4;
  end = strpbrk (start, "@;>");
  return end != NULL ? g_strndup (start, end - start) : g_strdup (start);
}

static void
incoming_call_cb (ZvSipAccount *sip,
                  ZvCall       *call,
                  ZvPhone      *self)
{
  g_autofree char *user = uri_user (zv_call_get_remote_uri (call));
  g_autofree char *name = NULL;
  g_autofree char *detail = NULL;
  g_autofree char *extension = NULL;
  const char *number = user;

  /* Colleagues call as their login: show them by name and extension. */
  if (lookup_user (self, user, FALSE, NULL, &name, &detail, &extension) && *extension != '\0')
    number = extension;
  attach_call (self, call, number, name, detail, NULL);
  use_sip_call_id (call);

  if (self->call != NULL || self->incoming != NULL)
    {
      /* One call at a time: the second caller hears busy, and the history shows the attempt. */
      g_object_set_data (G_OBJECT (call), "zv-phone-reported", GINT_TO_POINTER (TRUE));
      report_call (self, call, ZV_CALL_STATUS_MISSED);
      zv_call_decline (call);
      return;
    }
  self->incoming = g_object_ref (call);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INCOMING_CALL]);
  identify_peer (self, call);
}

/* The request URI for what the user typed; an extension of a colleague becomes their login, which
 * is how the phone system knows them. */
static char *
resolve (ZvPhone     *self,
         const char  *number,
         char       **shown,
         char       **name,
         char       **detail,
         GError     **error)
{
  g_autofree char *normalized = NULL;
  g_autofree char *login = NULL;
  g_autofree char *uri = NULL;

  normalized = zv_phone_number_normalize (number, COUNTRY_CODE, NULL);
  if (normalized != NULL && zv_phone_number_is_extension (normalized) &&
      lookup_user (self, normalized, TRUE, &login, name, detail, NULL))
    {
      *shown = g_strdup (normalized);
      return g_strdup_printf ("sip:%s@%s", login, self->domain);
    }
  uri = zv_phone_number_to_sip_uri (number, COUNTRY_CODE, self->domain, error);
  if (uri == NULL)
    return NULL;
  *shown = normalized != NULL ? zv_phone_number_format (normalized) : uri_user (uri);
  return g_steal_pointer (&uri);
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
  uri = resolve (self, number, &shown, &name, &detail, error);
  return uri != NULL && zv_call_transfer (self->call, uri, error);
}

/**
 * zv_phone_dial:
 * @number: what the user typed or pasted: a number, an extension or a SIP address
 * @caller_id: (nullable): the company number to present
 *
 * Starts an outgoing call; it becomes ZvPhone:call.
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
  if (self->call != NULL || self->incoming != NULL)
    {
      g_set_error_literal (error, ZV_PHONE_APP_ERROR, ZV_PHONE_APP_ERROR_BUSY,
                           _("Finish the current call first."));
      return NULL;
    }

  uri = resolve (self, number, &shown, &name, &detail, error);
  if (uri == NULL)
    return NULL;

  call = zv_call_new_outgoing (self->sip, uri, caller_id);
  attach_call (self, call, shown, name, detail, caller_id);
  zv_call_set_media_files (call, NULL, NULL, FALSE);
  if (!zv_call_start (call, error))
    return NULL;
  use_sip_call_id (call);
  self->call = g_object_ref (call);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CALL]);
  identify_peer (self, call);
  return self->call;
}

/**
 * zv_phone_answer:
 *
 * Answers the ringing incoming call; it becomes ZvPhone:call.
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
  call = g_steal_pointer (&self->incoming);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INCOMING_CALL]);
  self->call = g_object_ref (call);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CALL]);
  zv_call_set_media_files (call, NULL, NULL, FALSE);
  /* A failure ends the call, and call_state_cb clears it again. */
  return zv_call_answer (call, error);
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
  call_info (call)->ended_at = g_get_real_time () / 1000;
  report_call (self, call, ZV_CALL_STATUS_REJECTED);
  zv_call_decline (call);
}

/* Ends the call in progress (or cancels it while it rings at the far end). */
void
zv_phone_hangup (ZvPhone *self)
{
  g_return_if_fail (ZV_IS_PHONE (self));

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

const char *
zv_phone_call_get_number (ZvCall *call)
{
  CallInfo *info = call_info (call);

  return info != NULL ? info->number : NULL;
}

/* NULL while nobody is known by that number. */
const char *
zv_phone_call_get_name (ZvCall *call)
{
  CallInfo *info = call_info (call);

  return info != NULL && info->name != NULL && *info->name != '\0' ? info->name : NULL;
}

const char *
zv_phone_call_get_detail (ZvCall *call)
{
  CallInfo *info = call_info (call);

  return info != NULL && info->detail != NULL && *info->detail != '\0' ? info->detail : NULL;
}

const char *
zv_phone_call_get_sip_call_id (ZvCall *call)
{
  CallInfo *info = call_info (call);

  return info != NULL ? info->sip_call_id : NULL;
}

/**
 * zv_phone_call_get_quality:
 *
 * Reads the call's audio statistics now (and keeps them for the report at its end).
 *
 * Returns: the MOS estimate (1 … 4.5), 0 while nothing is known
 */
double
zv_phone_call_get_quality (ZvCall *call)
{
  CallInfo *info = call_info (call);
  ZvCallStats now = { 0 };

  if (info == NULL || zv_call_get_state (call) != ZV_CALL_STATE_ACTIVE)
    return 0;
  zv_call_get_stats (call, &now);
  if (now.mos > 0)
    info->stats = now;
  return now.mos;
}

/* Milliseconds since the epoch; 0 while not answered. */
gint64
zv_phone_call_get_answered_at (ZvCall *call)
{
  CallInfo *info = call_info (call);

  return info != NULL ? info->answered_at : 0;
}

/* ---- notes ------------------------------------------------------------------------------------------- */

static void
notes_saved_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!zv_call_history_save_notes_finish (ZV_CALL_HISTORY (object), result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
zv_phone_save_notes_async (ZvPhone             *self,
                           const char          *sip_call_id,
                           const char          *notes,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (ZV_IS_PHONE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, zv_phone_save_notes_async);
  zv_call_history_save_notes_async (self->history, self->account, sip_call_id, notes, cancellable,
                                    notes_saved_cb, task);
}

gboolean
zv_phone_save_notes_finish (ZvPhone       *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
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
  g_clear_object (&self->call);
  g_clear_object (&self->incoming);
  g_clear_object (&self->history);
  g_clear_object (&self->events);
  g_clear_object (&self->account);
  g_clear_object (&self->caller_ids);
  g_clear_object (&self->cancellable);

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
}

static void
zv_phone_init (ZvPhone *self)
{
  self->cancellable = g_cancellable_new ();
  self->caller_ids = gtk_string_list_new (NULL);
  self->caller_numbers = g_ptr_array_new_with_free_func (g_free);
}

/* sofia-sip's su_uniqueid destructor deletes its thread-specific key when the process exits,
 * created or not; never created, that key is 0, which is GLib's, and libadwaita's resources then
 * abort at exit (pthread_setspecific: EINVAL) in any process that links the phone but never placed
 * a call (a second instance that only hands over to the first, the widget tests). Drawing one
 * random number when the app library loads creates sofia-sip's own key. */
#if defined(__GNUC__)
__attribute__ ((constructor)) static void
create_sofia_key (void)
{
  (void) su_randint (0, 1);
}
#endif

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
