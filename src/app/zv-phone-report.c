/* zv-phone-report.c: ZvPhone's dealings with the backend about its calls: who is on the other end
 * (the directory in the cache, else the server's card from GET /crm/lookup) and, once a call is
 * over, its report to the call history (POST /calls), its audio statistics (/stats/calls) and the
 * notes written after it; and what the app reads of a call (number, name, quality).
 * The calls themselves are zv-phone.c's. */
#define G_LOG_DOMAIN "zveno"

#include "config.h"

#include <string.h>

#include "zv-json.h"
#include "zv-phone-number.h"
#include "zv-phone-private.h"

/* The company's country for numbers typed without one (Russian trunk 8, +7). */
#define COUNTRY_CODE "7"

/* ---- who is on the other end ------------------------------------------------------------------- */

/* The directory entry with this login or extension, from the cache. */
gboolean
zv_phone_lookup_user (ZvPhone     *self,
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
  ZvPhoneCallInfo *info = zv_phone_call_info (call);
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
  zv_phone_emit_peer_changed (self, call);
}

/* Fills in the name: the directory in the cache first, else the server's card (GET /crm/lookup). */
void
zv_phone_identify_peer (ZvPhone *self,
                        ZvCall  *call)
{
  ZvPhoneCallInfo *info = zv_phone_call_info (call);
  g_autofree char *path = NULL;
  g_autofree char *escaped = NULL;

  if (info->name != NULL)
    return;
  /* An outside caller's number as the app writes numbers everywhere ("+7 495 555-12-34", as the
   * dialled ones are), not as the SIP From carried it ("+74955551234"). The server compares
   * numbers by their digits, so the lookup and the report take it as well. */
  {
    g_autofree char *normalized = zv_phone_number_normalize (info->number, COUNTRY_CODE, NULL);
    g_autofree char *formatted = normalized != NULL && normalized[0] == '+' ? zv_phone_number_format (normalized) : NULL;

    if (formatted != NULL && g_strcmp0 (formatted, info->number) != 0)
      {
        g_free (info->number);
        info->number = g_steal_pointer (&formatted);
        zv_phone_emit_peer_changed (self, call);
      }
  }
  if (zv_phone_lookup_user (self, info->number, TRUE, NULL, &info->name, &info->detail, NULL))
    {
      zv_phone_emit_peer_changed (self, call);
      return;
    }
  escaped = g_uri_escape_string (info->number, NULL, FALSE);
  path = g_strdup_printf ("/crm/lookup?number=%s", escaped);
  zv_account_call_async (self->account, "GET", path, NULL, self->cancellable, crm_lookup_cb, g_object_ref (call));
}

/* ---- numbers and addresses -------------------------------------------------------------------- */

/* The user part of a SIP URI: "sip:anna@host;transport=udp" -> "anna". */
char *
zv_phone_uri_user (const char *uri)
{
  const char *start = uri, *end;

  if (g_str_has_prefix (start, "sips:"))
    start += 5;
  else if (g_str_has_prefix (start, "sip:"))
    start += 4;
  end = strpbrk (start, "@;>");
  return end != NULL ? g_strndup (start, end - start) : g_strdup (start);
}

/* The request URI for what the user typed; an extension of a colleague becomes their login, which
 * is how the phone system knows them. */
char *
zv_phone_resolve (ZvPhone     *self,
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
      zv_phone_lookup_user (self, normalized, TRUE, &login, name, detail, NULL))
    {
      *shown = g_strdup (normalized);
      return g_strdup_printf ("sip:%s@%s", login, self->domain);
    }
  uri = zv_phone_number_to_sip_uri (number, COUNTRY_CODE, self->domain, error);
  if (uri == NULL)
    return NULL;
  *shown = normalized != NULL ? zv_phone_number_format (normalized) : zv_phone_uri_user (uri);
  return g_steal_pointer (&uri);
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
  ZvPhoneCallInfo *info = zv_phone_call_info (call);
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

ZvCallStatus
zv_phone_final_status (ZvCall *call)
{
  ZvPhoneCallInfo *info = zv_phone_call_info (call);
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

void
zv_phone_report_call (ZvPhone      *self,
                      ZvCall       *call,
                      ZvCallStatus  status)
{
  ZvPhoneCallInfo *info = zv_phone_call_info (call);
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

/* ---- what the app shows of a call ------------------------------------------------------------- */

const char *
zv_phone_call_get_number (ZvCall *call)
{
  ZvPhoneCallInfo *info = zv_phone_call_info (call);

  return info != NULL ? info->number : NULL;
}

/* NULL while nobody is known by that number. */
const char *
zv_phone_call_get_name (ZvCall *call)
{
  ZvPhoneCallInfo *info = zv_phone_call_info (call);

  return info != NULL && info->name != NULL && *info->name != '\0' ? info->name : NULL;
}

const char *
zv_phone_call_get_detail (ZvCall *call)
{
  ZvPhoneCallInfo *info = zv_phone_call_info (call);

  return info != NULL && info->detail != NULL && *info->detail != '\0' ? info->detail : NULL;
}

const char *
zv_phone_call_get_sip_call_id (ZvCall *call)
{
  ZvPhoneCallInfo *info = zv_phone_call_info (call);

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
  ZvPhoneCallInfo *info = zv_phone_call_info (call);
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
  ZvPhoneCallInfo *info = zv_phone_call_info (call);

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
