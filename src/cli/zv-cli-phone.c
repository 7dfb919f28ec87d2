/* zv-cli-phone.c: zveno-cli call and answer, a headless Zveno phone.
 *
 * Both load the SIP account (the signed-in account's GET /telephony, the password from that
 * answer or the secret store; or a standalone one from the options), run sofia-sip and GStreamer
 * on the default main loop, and print the outcome and statistics, one "key: value" a line.
 *
 * Options that script a call for tests and demos (zv_cli_phone_*_entries: hold and resume after
 * a delay, transfer, cancel while ringing, busy, ring for a while, what to do with a second call)
 * drive the same ZvCall API the app uses. The final line per call is "ended: REASON[: message]",
 * REASON being ZvCallEndReason's nick ("hangup", "busy", "no-response", "transferred"...). */
#define G_LOG_DOMAIN "zveno-cli"

#include "config.h"

#include <glib/gi18n.h>
#ifdef G_OS_UNIX
#include <glib-unix.h>
#endif
#include <stdio.h>
#include <string.h>

#include "zv-call.h"
#include "zv-conference.h"
#include "zv-cli-phone.h"
#include "zv-cli-private.h"
#include "zv-error.h"
#include "zv-json.h"
#include "zv-media-session.h"
#include "zv-secret-store.h"
#include "zv-sip-account.h"

/* Set by the option entries below (zveno-cli parses them before calling us). */
static struct {
  int         hold_after;
  int         resume_after;
  int         cancel_after;
  int         transfer_after;
  char       *transfer_to;
  gboolean    attended;
  gboolean    busy;
  int         ring;
  char       *waiting;
  char       *dtmf;            /* call --dtmf: pressed once the call is answered */
  gboolean    srtp;
  char       *codecs;          /* --codecs: what the account offers and accepts, in order */
  gboolean    dsp;             /* webrtcdsp on what we send (the played file stands in for a microphone) */
  int         mute_after;
  char       *add;             /* call --add: a second call, merged with the first into a conference */
  int         merge_after;
  int         split_after;     /* call --add: split the conference this many seconds after the merge */
  int         hold_merged_after; /* call --add: hold the whole conference this many seconds after the merge */
} opts = { .hold_after = -1, .resume_after = -1, .cancel_after = -1, .transfer_after = -1, .ring = 0, .mute_after = -1,
           .merge_after = 2, .split_after = -1, .hold_merged_after = -1 };

static const GOptionEntry call_entries[] = {
  { "hold-after", 0, 0, G_OPTION_ARG_INT, &opts.hold_after, N_("Put the other side on hold this many seconds after the answer"), "S" },
  { "resume-after", 0, 0, G_OPTION_ARG_INT, &opts.resume_after, N_("Take it off hold this many seconds after holding"), "S" },
  { "cancel-after", 0, 0, G_OPTION_ARG_INT, &opts.cancel_after, N_("Give up this many seconds after dialling if nobody answered"), "S" },
  { "transfer-to", 0, 0, G_OPTION_ARG_STRING, &opts.transfer_to, N_("Transfer the call to this SIP address"), "URI" },
  { "transfer-after", 0, 0, G_OPTION_ARG_INT, &opts.transfer_after, N_("Transfer this many seconds after the answer (default 1)"), "S" },
  { "attended", 0, 0, G_OPTION_ARG_NONE, &opts.attended, N_("Call the transfer target first (holding this call), then transfer to that call"), NULL },
  { "srtp", 0, 0, G_OPTION_ARG_NONE, &opts.srtp, N_("Encrypt the audio (SRTP) even without TLS, and refuse unencrypted calls"), NULL },
  { "codecs", 0, 0, G_OPTION_ARG_STRING, &opts.codecs, N_("Audio codecs to offer and accept, preferred first (default: opus,G722,PCMU,PCMA)"), "LIST" },
  { "dsp", 0, 0, G_OPTION_ARG_NONE, &opts.dsp, N_("Echo cancellation, noise suppression and gain control on the audio sent"), NULL },
  { "mute-after", 0, 0, G_OPTION_ARG_INT, &opts.mute_after, N_("Mute the microphone this many seconds after the answer"), "S" },
  { "add", 0, 0, G_OPTION_ARG_STRING, &opts.add, N_("Once answered, call this SIP address too, for a three-way conference"), "URI" },
  { "merge-after", 0, 0, G_OPTION_ARG_INT, &opts.merge_after, N_("Merge the two calls this many seconds after the second answers (default 2)"), "S" },
  { "split-after", 0, 0, G_OPTION_ARG_INT, &opts.split_after, N_("Split the conference into two calls again this many seconds after the merge"), "S" },
  { "hold-merged-after", 0, 0, G_OPTION_ARG_INT, &opts.hold_merged_after, N_("Hold the conference (both calls) this many seconds after the merge; --resume-after takes it back"), "S" },
  { NULL }
};

static const GOptionEntry answer_entries[] = {
  { "busy", 0, 0, G_OPTION_ARG_NONE, &opts.busy, N_("Decline every call as busy (486)"), NULL },
  { "ring", 0, 0, G_OPTION_ARG_INT, &opts.ring, N_("Let each call ring this many seconds before answering"), "S" },
  { "waiting", 0, 0, G_OPTION_ARG_STRING, &opts.waiting, N_("A call arriving during a call: “hold” (hold the first, answer it) or “decline” (busy)"), "WHAT" },
  { "hold-after", 0, 0, G_OPTION_ARG_INT, &opts.hold_after, N_("Put the caller on hold this many seconds after the answer"), "S" },
  { "resume-after", 0, 0, G_OPTION_ARG_INT, &opts.resume_after, N_("Take the caller off hold this many seconds after holding"), "S" },
  { "srtp", 0, 0, G_OPTION_ARG_NONE, &opts.srtp, N_("Encrypt the audio (SRTP) even without TLS, and refuse unencrypted calls"), NULL },
  { "codecs", 0, 0, G_OPTION_ARG_STRING, &opts.codecs, N_("Audio codecs to offer and accept, preferred first (default: opus,G722,PCMU,PCMA)"), "LIST" },
  { "dsp", 0, 0, G_OPTION_ARG_NONE, &opts.dsp, N_("Echo cancellation, noise suppression and gain control on the audio sent"), NULL },
  { NULL }
};

const GOptionEntry *
zv_cli_phone_call_entries (void)
{
  return call_entries;
}

const GOptionEntry *
zv_cli_phone_answer_entries (void)
{
  return answer_entries;
}

void
zv_cli_phone_set_dtmf (const char *digits)
{
  g_free (opts.dtmf);
  opts.dtmf = g_strdup (digits);
}

typedef struct {
  GMainLoop    *loop;
  ZvSipAccount *sip;
  GError       *error;
  ZvCall       *call;
  const char   *play;
  const char   *record;
  gboolean      echo;
  int           answered;
  int           count;
  int           status;
  gboolean      registered;
  gboolean      need_registration;
  GPtrArray    *live;          /* ZvCall not ended yet, ours and the ones transfers made */
  ZvCall       *transfer_leg;  /* the second call of an attended transfer */
  ZvCall       *added;         /* call --add: the second call */
  ZvConference *conference;    /* the two merged */
  ZvAccount    *account;       /* borrowed: signed in, quality reports go to its server */
  guint         reports_pending;
  /* call: what to dial once registered (dial()) */
  const char   *dial_uri;
  char         *dial_caller_id;
  guint        *dial_remaining;
  guint         dial_timeout;
  gulong        dial_handler;
} Phone;

static void watch_call (Phone *phone, ZvCall *call);

static int
phone_fail (const char *message)
{
  g_autofree char *line = g_strdup (message);

  g_strdelimit (line, "\n\r", ' ');
  fprintf (stderr, "zveno-cli: %s\n", line);
  return 1;
}

/* RTCP statistics and the MOS estimate (zv-media-stats.c), for calls that had audio. */
static void
print_quality (ZvCall *call)
{
  ZvCallStats stats;

  zv_call_get_stats (call, &stats);
  if (stats.codec == ZV_CODEC_NONE)
    return;
  printf ("srtp: %s\n", zv_call_is_encrypted (call) ? "yes" : "no");
  printf ("loss_percent: %.1f\n", stats.loss * 100);
  printf ("loss_received_percent: %.1f\n", stats.loss_received * 100);
  if (stats.loss_sent >= 0)
    printf ("loss_sent_percent: %.1f\n", stats.loss_sent * 100);
  printf ("jitter_ms: %.2f\n", stats.jitter_ms);
  if (stats.rtt_ms >= 0)
    printf ("rtt_ms: %.2f\n", stats.rtt_ms);
  printf ("mos: %.2f\n", stats.mos);
}

static void
report_done (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  Phone *phone = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = zv_account_call_finish (ZV_ACCOUNT (object), result, &error);

  if (node == NULL)
    fprintf (stderr, "zveno-cli: %s\n", error->message);
  else
    printf ("quality reported\n");
  fflush (stdout);
  phone->reports_pending--;
}

/* Signed in: the call's quality goes to the server (POST /stats/calls, docs/api.md). */
static void
report_quality (Phone  *phone,
                ZvCall *call)
{
  ZvCallStats stats;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonNode) body = NULL;

  zv_call_get_stats (call, &stats);
  if (phone->account == NULL || stats.codec == ZV_CODEC_NONE || zv_call_get_sip_call_id (call) == NULL)
    return;
  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "sip_call_id");
  json_builder_add_string_value (builder, zv_call_get_sip_call_id (call));
  json_builder_set_member_name (builder, "codec");
  json_builder_add_string_value (builder, zv_call_get_codec_name (call));
  json_builder_set_member_name (builder, "mos");
  json_builder_add_double_value (builder, stats.mos);
  json_builder_set_member_name (builder, "loss");
  json_builder_add_double_value (builder, stats.loss);
  json_builder_set_member_name (builder, "jitter_ms");
  json_builder_add_double_value (builder, stats.jitter_ms);
  if (stats.rtt_ms >= 0)
    {
      json_builder_set_member_name (builder, "rtt_ms");
      json_builder_add_double_value (builder, stats.rtt_ms);
    }
  json_builder_set_member_name (builder, "packets_sent");
  json_builder_add_int_value (builder, (gint64) stats.packets_sent);
  json_builder_set_member_name (builder, "packets_received");
  json_builder_add_int_value (builder, (gint64) stats.packets_received);
  json_builder_set_member_name (builder, "duration");
  json_builder_add_double_value (builder, zv_call_get_duration_us (call) / (double) G_USEC_PER_SEC);
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);
  phone->reports_pending++;
  zv_account_call_async (phone->account, "POST", "/stats/calls", body, NULL, report_done, phone);
}

static void
print_stats (ZvCall *call)
{
  gint64 setup = zv_call_get_setup_time_us (call);

  printf ("codec: %s\n", zv_call_get_codec_name (call));
  if (setup >= 0)
    printf ("setup_ms: %.1f\n", setup / 1000.0);
  printf ("duration_s: %.1f\n", zv_call_get_duration_us (call) / (double) G_USEC_PER_SEC);
  printf ("packets_sent: %" G_GUINT64_FORMAT "\n", zv_call_get_packets_sent (call));
  printf ("packets_received: %" G_GUINT64_FORMAT "\n", zv_call_get_packets_received (call));
  printf ("early_media: %s\n", zv_call_has_early_media (call) ? "yes" : "no");
  print_quality (call);
  fflush (stdout);
}

static void
on_account_state (ZvSipAccount *sip,
                  GParamSpec   *pspec,
                  gpointer      user_data)
{
  Phone *phone = user_data;
  const GError *error = zv_sip_account_get_error (sip);

  if (zv_sip_account_get_state (sip) != ZV_SIP_STATE_FAILED || error == NULL)
    return;
  if (!phone->need_registration)
    return;
  if ((g_error_matches (error, ZV_SIP_ERROR, ZV_SIP_ERROR_AUTH_FAILED)
       || g_error_matches (error, ZV_SIP_ERROR, ZV_SIP_ERROR_CERTIFICATE)) && !phone->registered)
    {
      /* A wrong password or an untrusted server will not fix itself while we wait: say so and stop. */
      g_clear_error (&phone->error);
      phone->error = g_error_copy (error);
      g_main_loop_quit (phone->loop);
      return;
    }
  {
    /* TRANSLATORS: after a registration error; %u is seconds */
    g_autofree char *retry = g_strdup_printf (_("Retrying in %u s."), zv_sip_account_get_retry_seconds (sip));

    fprintf (stderr, "zveno-cli: %s %s\n", error->message, retry);
  }
}

static void
on_registered (ZvSipAccount *sip,
               guint         expires,
               gpointer      user_data)
{
  Phone *phone = user_data;

  if (!phone->registered)
    printf ("registered: %s expires=%u contact=%s\n", zv_sip_account_get_aor (sip), expires,
            zv_sip_account_get_contact (sip) != NULL ? zv_sip_account_get_contact (sip) : "?");
  else
    printf ("refreshed: %s expires=%u\n", zv_sip_account_get_aor (sip), expires);
  fflush (stdout);
  phone->registered = TRUE;
}

static void
maybe_quit (Phone *phone)
{
  if (phone->live->len > 0)
    return;
  /* answer runs until it answered --count calls (for ever without it); call until its calls end. */
  if (phone->call == NULL && (phone->count <= 0 || phone->answered < phone->count))
    return;
  g_main_loop_quit (phone->loop);
}

static void
on_call_state (ZvCall     *call,
               GParamSpec *pspec,
               gpointer    user_data)
{
  Phone *phone = user_data;
  ZvCallState state = zv_call_get_state (call);

  if (state == ZV_CALL_STATE_RINGING && !zv_call_is_incoming (call))
    printf ("ringing%s\n", zv_call_has_early_media (call) ? " (early media)" : "");
  else if (state == ZV_CALL_STATE_ACTIVE)
    printf ("answered: %s\n", zv_call_get_remote_uri (call));
  else if (state == ZV_CALL_STATE_ENDED)
    {
      const GError *error = zv_call_get_error (call);

      if (error != NULL)
        printf ("ended: %s: %s\n", zv_call_get_end_reason_nick (call), error->message);
      else
        printf ("ended: %s\n", zv_call_get_end_reason_nick (call));
      print_stats (call);
      report_quality (phone, call);
      if (zv_call_is_incoming (call))
        phone->answered++;
      else if (call == phone->call)
        {
          if (error != NULL)
            {
              g_clear_error (&phone->error);
              phone->error = g_error_copy (error);
            }
          else if (zv_call_get_duration_us (call) == 0)
            phone->error = g_error_new_literal (ZV_SIP_ERROR, ZV_SIP_ERROR_CANCELLED, _("The call was not answered."));
        }
      g_ptr_array_remove (phone->live, call);
      maybe_quit (phone);
    }
  fflush (stdout);
}

static void
on_hold_changed (ZvCall     *call,
                 GParamSpec *pspec,
                 gpointer    user_data)
{
  gboolean remote = g_str_equal (pspec->name, "remote-hold");
  gboolean held = remote ? zv_call_is_remote_hold (call) : zv_call_is_on_hold (call);

  printf ("%s: %s packets_sent=%" G_GUINT64_FORMAT "\n", remote ? "remote-hold" : "hold",
          held ? "on" : "off", zv_call_get_packets_sent (call));
  fflush (stdout);
}

static void
on_transfer_progress (ZvCall     *call,
                      int         status,
                      const char *phrase,
                      gpointer    user_data)
{
  printf ("transfer: %d %s\n", status, phrase != NULL ? phrase : "");
  fflush (stdout);
}

static void
on_transferred (ZvCall   *call,
                ZvCall   *next,
                gpointer  user_data)
{
  Phone *phone = user_data;

  printf ("transferred-to: %s\n", zv_call_get_remote_uri (next));
  fflush (stdout);
  watch_call (phone, next);
}

static gboolean
resume_cb (gpointer user_data)
{
  g_autoptr(ZvCall) call = user_data;
  g_autoptr(GError) error = NULL;

  if (zv_call_get_state (call) == ZV_CALL_STATE_ACTIVE && !zv_call_resume (call, &error))
    fprintf (stderr, "zveno-cli: %s\n", error->message);
  return G_SOURCE_REMOVE;
}

static gboolean
hold_cb (gpointer user_data)
{
  g_autoptr(ZvCall) call = user_data;
  g_autoptr(GError) error = NULL;

  if (zv_call_get_state (call) != ZV_CALL_STATE_ACTIVE)
    return G_SOURCE_REMOVE;
  if (!zv_call_hold (call, &error))
    fprintf (stderr, "zveno-cli: %s\n", error->message);
  else if (opts.resume_after >= 0)
    g_timeout_add_seconds ((guint) opts.resume_after, resume_cb, g_object_ref (call));
  return G_SOURCE_REMOVE;
}

/* The primary call was answered: schedule what the options ask for. */
static void
script_call (Phone  *phone,
             ZvCall *call);

static void
on_dtmf (ZvCall     *call,
         const char *digit,
         gpointer    user_data)
{
  printf ("dtmf: %s\n", digit);
  fflush (stdout);
}

static gboolean
dtmf_cb (gpointer user_data)
{
  g_autoptr(ZvCall) call = user_data;
  g_autoptr(GError) error = NULL;

  if (zv_call_get_state (call) != ZV_CALL_STATE_ACTIVE)
    return G_SOURCE_REMOVE;
  if (zv_call_send_dtmf (call, opts.dtmf, &error))
    printf ("dtmf sent: %s\n", opts.dtmf);
  else
    fprintf (stderr, "zveno-cli: %s\n", error->message);
  fflush (stdout);
  return G_SOURCE_REMOVE;
}

/* Every call we know of: its lines printed, and the loop kept running until it ends. */
static void
watch_call (Phone  *phone,
            ZvCall *call)
{
  g_ptr_array_add (phone->live, g_object_ref (call));
  g_signal_connect (call, "notify::state", G_CALLBACK (on_call_state), phone);
  g_signal_connect (call, "notify::on-hold", G_CALLBACK (on_hold_changed), phone);
  g_signal_connect (call, "notify::remote-hold", G_CALLBACK (on_hold_changed), phone);
  g_signal_connect (call, "transfer-progress", G_CALLBACK (on_transfer_progress), phone);
  g_signal_connect (call, "transferred", G_CALLBACK (on_transferred), phone);
  g_signal_connect (call, "dtmf", G_CALLBACK (on_dtmf), phone);
}

static gboolean
hangup_cb (gpointer user_data)
{
  Phone *phone = user_data;

  if (phone->conference != NULL)
    zv_conference_hangup (phone->conference);
  if (phone->call != NULL && zv_call_get_state (phone->call) == ZV_CALL_STATE_ACTIVE)
    zv_call_hangup (phone->call);
  if (phone->added != NULL && zv_call_get_state (phone->added) != ZV_CALL_STATE_ENDED)
    zv_call_hangup (phone->added);
  return G_SOURCE_REMOVE;
}

static void
on_merged_changed (ZvConference *conference,
                   GParamSpec   *pspec,
                   gpointer      user_data)
{
  printf ("conference: %s\n", zv_conference_is_merged (conference) ? "merged" : "split");
  fflush (stdout);
}

static gboolean
split_cb (gpointer user_data)
{
  Phone *phone = user_data;

  if (phone->conference != NULL)
    zv_conference_split (phone->conference);
  return G_SOURCE_REMOVE;
}

static gboolean
resume_merged_cb (gpointer user_data)
{
  Phone *phone = user_data;
  g_autoptr(GError) error = NULL;

  if (phone->conference != NULL && !zv_conference_resume (phone->conference, &error))
    fprintf (stderr, "zveno-cli: %s\n", error->message);
  return G_SOURCE_REMOVE;
}

static gboolean
hold_merged_cb (gpointer user_data)
{
  Phone *phone = user_data;
  g_autoptr(GError) error = NULL;

  if (phone->conference == NULL)
    return G_SOURCE_REMOVE;
  if (!zv_conference_hold (phone->conference, &error))
    fprintf (stderr, "zveno-cli: %s\n", error->message);
  else if (opts.resume_after >= 0)
    g_timeout_add_seconds ((guint) opts.resume_after, resume_merged_cb, phone);
  return G_SOURCE_REMOVE;
}

static gboolean
merge_cb (gpointer user_data)
{
  Phone *phone = user_data;
  g_autoptr(GError) error = NULL;

  if (phone->conference == NULL)
    {
      phone->conference = zv_conference_new (phone->call, phone->added);
      g_signal_connect (phone->conference, "notify::merged", G_CALLBACK (on_merged_changed), phone);
    }
  if (!zv_conference_merge (phone->conference, &error))
    {
      fprintf (stderr, "zveno-cli: %s\n", error->message);
      return G_SOURCE_REMOVE;
    }
  if (opts.split_after >= 0)
    g_timeout_add_seconds ((guint) opts.split_after, split_cb, phone);
  if (opts.hold_merged_after >= 0)
    g_timeout_add_seconds ((guint) opts.hold_merged_after, hold_merged_cb, phone);
  return G_SOURCE_REMOVE;
}

/* call --add: the second call answered; the merge follows --merge-after seconds later. */
static void
on_added_state (ZvCall     *added,
                GParamSpec *pspec,
                gpointer    user_data)
{
  Phone *phone = user_data;

  if (zv_call_get_state (added) == ZV_CALL_STATE_ACTIVE)
    g_timeout_add_seconds ((guint) MAX (opts.merge_after, 0), merge_cb, phone);
}

/* The first call stays as it is (not held) while the second rings: its far end hears us alone until
 * the merge. */
static gboolean
add_cb (gpointer user_data)
{
  Phone *phone = user_data;
  g_autoptr(GError) error = NULL;

  if (phone->call == NULL || zv_call_get_state (phone->call) != ZV_CALL_STATE_ACTIVE)
    return G_SOURCE_REMOVE;
  phone->added = zv_call_new_outgoing (phone->sip, opts.add, NULL);
  zv_call_set_media_files (phone->added, phone->play, NULL, FALSE);
  watch_call (phone, phone->added);
  g_signal_connect (phone->added, "notify::state", G_CALLBACK (on_added_state), phone);
  if (!zv_call_start (phone->added, &error))
    fprintf (stderr, "zveno-cli: %s\n", error->message);
  else
    printf ("adding: %s\n", opts.add);
  fflush (stdout);
  return G_SOURCE_REMOVE;
}

static void
on_call_state_for_duration (ZvCall     *call,
                            GParamSpec *pspec,
                            gpointer    user_data)
{
  guint *duration = user_data;

  if (zv_call_get_state (call) == ZV_CALL_STATE_ACTIVE && *duration > 0)
    {
      g_timeout_add_seconds (*duration, hangup_cb, g_object_get_data (G_OBJECT (call), "zv-phone"));
      *duration = 0;
      script_call (g_object_get_data (G_OBJECT (call), "zv-phone"), call);
    }
}

static gboolean
cancel_cb (gpointer user_data)
{
  g_autoptr(ZvCall) call = user_data;

  if (zv_call_get_state (call) == ZV_CALL_STATE_CALLING || zv_call_get_state (call) == ZV_CALL_STATE_RINGING)
    zv_call_hangup (call);
  return G_SOURCE_REMOVE;
}

/* Attended transfer, second step: the target answered; hand the first call over to it. */
static void
on_transfer_leg_state (ZvCall     *leg,
                       GParamSpec *pspec,
                       gpointer    user_data)
{
  Phone *phone = user_data;
  g_autoptr(GError) error = NULL;

  if (zv_call_get_state (leg) != ZV_CALL_STATE_ACTIVE || phone->call == NULL)
    return;
  if (!zv_call_transfer_attended (phone->call, leg, &error))
    fprintf (stderr, "zveno-cli: %s\n", error->message);
}

static gboolean
transfer_cb (gpointer user_data)
{
  Phone *phone = user_data;
  g_autoptr(GError) error = NULL;

  if (phone->call == NULL || zv_call_get_state (phone->call) != ZV_CALL_STATE_ACTIVE)
    return G_SOURCE_REMOVE;
  if (!opts.attended)
    {
      if (!zv_call_transfer (phone->call, opts.transfer_to, &error))
        fprintf (stderr, "zveno-cli: %s\n", error->message);
      return G_SOURCE_REMOVE;
    }
  /* Consultation first: hold the caller, call the target, transfer once it answers. */
  if (!zv_call_hold (phone->call, &error))
    fprintf (stderr, "zveno-cli: %s\n", error->message);
  g_clear_error (&error);
  phone->transfer_leg = zv_call_new_outgoing (phone->sip, opts.transfer_to, NULL);
  zv_call_set_media_files (phone->transfer_leg, phone->play, NULL, FALSE);
  watch_call (phone, phone->transfer_leg);
  g_signal_connect (phone->transfer_leg, "notify::state", G_CALLBACK (on_transfer_leg_state), phone);
  if (!zv_call_start (phone->transfer_leg, &error))
    fprintf (stderr, "zveno-cli: %s\n", error->message);
  else
    printf ("consulting: %s\n", opts.transfer_to);
  fflush (stdout);
  return G_SOURCE_REMOVE;
}

static gboolean
mute_cb (gpointer user_data)
{
  g_autoptr(ZvCall) call = user_data;

  if (zv_call_get_state (call) == ZV_CALL_STATE_ACTIVE)
    {
      zv_call_set_muted (call, TRUE);
      printf ("muted: packets_sent=%" G_GUINT64_FORMAT "\n", zv_call_get_packets_sent (call));
      fflush (stdout);
    }
  return G_SOURCE_REMOVE;
}

static void
script_call (Phone  *phone,
             ZvCall *call)
{
  if (opts.mute_after >= 0 && call == phone->call)
    g_timeout_add_seconds ((guint) opts.mute_after, mute_cb, g_object_ref (call));
  if (opts.hold_after >= 0)
    g_timeout_add_seconds ((guint) opts.hold_after, hold_cb, g_object_ref (call));
  if (opts.add != NULL && call == phone->call)
    g_timeout_add (300, add_cb, phone);
  if (opts.transfer_to != NULL && call == phone->call)
    g_timeout_add_seconds (opts.transfer_after >= 0 ? (guint) opts.transfer_after : 1, transfer_cb, phone);
  /* A moment after the answer, as a person would: the far end's audio path is up by then. */
  if (opts.dtmf != NULL && call == phone->call)
    g_timeout_add (300, dtmf_cb, g_object_ref (call));
}

static ZvCall *
active_call (Phone  *phone,
             ZvCall *except)
{
  for (guint i = 0; i < phone->live->len; i++)
    {
      ZvCall *other = g_ptr_array_index (phone->live, i);

      if (other != except && zv_call_get_state (other) == ZV_CALL_STATE_ACTIVE)
        return other;
    }
  return NULL;
}

/* Call waiting: the held call comes back once the one that interrupted it is over. */
static void
on_waiting_call_ended (ZvCall     *call,
                       GParamSpec *pspec,
                       gpointer    user_data)
{
  ZvCall *held = user_data;
  g_autoptr(GError) error = NULL;

  if (zv_call_get_state (call) != ZV_CALL_STATE_ENDED)
    return;
  g_signal_handlers_disconnect_by_func (call, on_waiting_call_ended, user_data);
  if (zv_call_get_state (held) == ZV_CALL_STATE_ACTIVE && !zv_call_resume (held, &error))
    fprintf (stderr, "zveno-cli: %s\n", error->message);
  g_object_unref (held);
}

static void
answer_now (Phone  *phone,
            ZvCall *call)
{
  g_autoptr(GError) error = NULL;
  ZvCall *current = active_call (phone, call);

  if (zv_call_get_state (call) != ZV_CALL_STATE_RINGING)
    return;
  if (current != NULL && g_strcmp0 (opts.waiting, "hold") == 0)
    {
      if (!zv_call_hold (current, &error))
        fprintf (stderr, "zveno-cli: %s\n", error->message);
      g_clear_error (&error);
      g_signal_connect (call, "notify::state", G_CALLBACK (on_waiting_call_ended), g_object_ref (current));
    }
  if (!zv_call_answer (call, &error))
    fprintf (stderr, "zveno-cli: %s\n", error->message);
  else
    script_call (phone, call);
}

static gboolean
ring_done_cb (gpointer user_data)
{
  g_autoptr(ZvCall) call = user_data;

  answer_now (g_object_get_data (G_OBJECT (call), "zv-phone"), call);
  return G_SOURCE_REMOVE;
}

static void
on_incoming (ZvSipAccount *sip,
             ZvCall       *call,
             gpointer      user_data)
{
  Phone *phone = user_data;

  printf ("incoming: %s\n", zv_call_get_remote_uri (call));
  fflush (stdout);
  watch_call (phone, call);
  g_object_set_data (G_OBJECT (call), "zv-phone", phone);
  zv_call_set_media_files (call, phone->play, phone->record, phone->echo);
  zv_call_set_dsp (call, opts.dsp);
  if (zv_call_get_state (call) != ZV_CALL_STATE_RINGING)
    return;   /* answered already: it replaced one of our calls */
  if (opts.busy || (active_call (phone, call) != NULL && g_strcmp0 (opts.waiting, "decline") == 0))
    {
      zv_call_decline (call);
      return;
    }
  if (opts.ring > 0)
    g_timeout_add_seconds ((guint) opts.ring, ring_done_cb, g_object_ref (call));
  else
    answer_now (phone, call);
}

/* Refused before it rang (488): its end said as any other call's is, with the reason. It never
 * rang, so it is no "incoming:" call and does not count towards --count. */
static void
on_refused (ZvSipAccount *sip,
            ZvCall       *call,
            gpointer      user_data)
{
  const GError *error = zv_call_get_error (call);

  printf ("refused: %s\n", zv_call_get_remote_uri (call) != NULL ? zv_call_get_remote_uri (call) : "?");
  if (error != NULL)
    printf ("ended: %s: %s\n", zv_call_get_end_reason_nick (call), error->message);
  else
    printf ("ended: %s\n", zv_call_get_end_reason_nick (call));
  fflush (stdout);
}

#ifdef G_OS_UNIX
static gboolean
on_signal (gpointer user_data)
{
  Phone *phone = user_data;

  for (guint i = phone->live->len; i > 0; i--)
    zv_call_hangup (g_ptr_array_index (phone->live, i - 1));
  g_main_loop_quit (phone->loop);
  return G_SOURCE_CONTINUE;
}
#endif

static int
shutdown_phone (Phone *phone)
{
  g_autoptr(GAsyncResult) result = NULL;
  int status = 0;

  if (phone->error != NULL)
    status = phone_fail (phone->error->message);
  /* Quality reports still on their way. */
  while (phone->reports_pending > 0)
    g_main_context_iteration (NULL, TRUE);
  if (phone->sip != NULL)
    {
      zv_sip_account_shutdown_async (phone->sip, NULL, zv_cli_store_result, &result);
      zv_sip_account_shutdown_finish (phone->sip, zv_cli_wait_for (&result), NULL);
    }
  g_clear_object (&phone->conference);
  g_clear_object (&phone->call);
  g_clear_object (&phone->transfer_leg);
  g_clear_object (&phone->added);
  g_clear_pointer (&phone->live, g_ptr_array_unref);
  g_clear_object (&phone->sip);
  g_clear_error (&phone->error);
  g_clear_pointer (&phone->loop, g_main_loop_unref);
  return status;
}

static gboolean
start_phone (Phone          *phone,
             ZvCliSipSource *source,
             char          **caller_id)
{
  const char *expires = g_getenv ("ZVENO_SIP_EXPIRES");

  const char *session = g_getenv ("ZVENO_SESSION_EXPIRES");

  /* The headless phone's start-up, as a sound card's would be for the app: GStreamer and its
   * codecs are loaded before any call, not between a call's INVITE and its first packet. */
  zv_media_session_warm_up ();
  phone->loop = g_main_loop_new (NULL, FALSE);
  phone->live = g_ptr_array_new_with_free_func (g_object_unref);
  phone->account = source->account;
  phone->sip = zv_cli_phone_load_account (source, caller_id, &phone->error);
  if (phone->sip == NULL)
    return FALSE;
  if (opts.srtp)
    zv_sip_account_set_srtp_required (phone->sip, TRUE);
  if (opts.codecs != NULL && !zv_sip_account_set_codecs (phone->sip, opts.codecs, &phone->error))
    return FALSE;
  /* Tests ask for short registrations to see the refresh happen. */
  if (expires != NULL)
    zv_sip_account_set_expires (phone->sip, (guint) g_ascii_strtoull (expires, NULL, 10));
  /* ... and short session timers ("EXPIRES" or "EXPIRES:MIN_SE") to see refreshes in seconds. */
  if (session != NULL)
    {
      char *end = NULL;
      guint64 interval = g_ascii_strtoull (session, &end, 10);
      guint64 min_se = end != NULL && *end == ':' ? g_ascii_strtoull (end + 1, NULL, 10) : interval;

      zv_sip_account_set_session_timer (phone->sip, (guint) interval, (guint) MIN (min_se, G_MAXUINT));
    }
  g_signal_connect (phone->sip, "notify::state", G_CALLBACK (on_account_state), phone);
  g_signal_connect (phone->sip, "registered", G_CALLBACK (on_registered), phone);
#ifdef G_OS_UNIX
  g_unix_signal_add (SIGINT, on_signal, phone);
  g_unix_signal_add (SIGTERM, on_signal, phone);
#endif
  return zv_sip_account_start (phone->sip, &phone->error);
}

/* Dials the call of `zveno-cli call`; on failure the phone stops with the error. */
static void
dial (Phone *phone)
{
  const char *uri = phone->dial_uri;

  g_clear_handle_id (&phone->dial_timeout, g_source_remove);
  g_clear_signal_handler (&phone->dial_handler, phone->sip);
  if (phone->call != NULL)
    return;
  phone->call = zv_call_new_outgoing (phone->sip, uri, phone->dial_caller_id);
  g_object_set_data (G_OBJECT (phone->call), "zv-phone", phone);
  zv_call_set_media_files (phone->call, phone->play, phone->record, FALSE);
  zv_call_set_dsp (phone->call, opts.dsp);
  watch_call (phone, phone->call);
  g_signal_connect (phone->call, "notify::state", G_CALLBACK (on_call_state_for_duration), phone->dial_remaining);
  if (!zv_call_start (phone->call, &phone->error))
    {
      g_main_loop_quit (phone->loop);
      return;
    }
  if (opts.cancel_after >= 0)
    g_timeout_add_seconds ((guint) opts.cancel_after, cancel_cb, g_object_ref (phone->call));
  printf ("calling: %s%s%s\n", uri, phone->dial_caller_id != NULL ? " as " : "",
          phone->dial_caller_id != NULL ? phone->dial_caller_id : "");
  fflush (stdout);
}

static void
dial_when_registered (ZvSipAccount *sip,
                      GParamSpec   *pspec,
                      gpointer      user_data)
{
  ZvSipState state = zv_sip_account_get_state (sip);

  if (state == ZV_SIP_STATE_REGISTERED || state == ZV_SIP_STATE_FAILED)
    dial (user_data);
}

static gboolean
dial_timeout_cb (gpointer user_data)
{
  Phone *phone = user_data;

  phone->dial_timeout = 0;
  dial (phone);
  return G_SOURCE_REMOVE;
}

/* How long `call` waits for its registration before dialling anyway. */
#define DIAL_REGISTER_WAIT_MS 3000

int
zv_cli_phone_call (ZvCliSipSource *source,
                   const char     *uri,
                   int             duration,
                   const char     *record,
                   const char     *play,
                   const char     *caller_id)
{
  Phone phone = { .status = 0 };
  g_autofree char *chosen_id = g_strdup (caller_id);
  guint remaining = duration > 0 ? (guint) duration : 10;
  int status;

  if (!start_phone (&phone, source, &chosen_id))
    return shutdown_phone (&phone);
  /* Calling needs no registration (the proxy challenges the INVITE itself), but the call waits
   * for it, a few ms, as a phone's calls do: its REGISTER and the INVITE would otherwise share
   * the proxy and the time before the far end rings, which a phone's user never sees. It dials
   * anyway when registering fails or takes over DIAL_REGISTER_WAIT_MS. */
  phone.need_registration = FALSE;
  phone.play = play;
  phone.record = record;
  phone.dial_uri = uri;
  phone.dial_caller_id = chosen_id;
  phone.dial_remaining = &remaining;
  phone.dial_handler = g_signal_connect (phone.sip, "notify::state", G_CALLBACK (dial_when_registered), &phone);
  phone.dial_timeout = g_timeout_add (DIAL_REGISTER_WAIT_MS, dial_timeout_cb, &phone);
  dial_when_registered (phone.sip, NULL, &phone);
  if (phone.error == NULL)
    g_main_loop_run (phone.loop);
  g_clear_handle_id (&phone.dial_timeout, g_source_remove);
  g_clear_signal_handler (&phone.dial_handler, phone.sip);
  status = shutdown_phone (&phone);
  return status;
}

int
zv_cli_phone_answer (ZvCliSipSource *source,
                     int             count,
                     gboolean        echo,
                     const char     *play,
                     const char     *record)
{
  Phone phone = { .count = count, .echo = echo, .play = play, .record = record };

  phone.need_registration = TRUE;
  if (!start_phone (&phone, source, NULL))
    return shutdown_phone (&phone);
  g_signal_connect (phone.sip, "incoming-call", G_CALLBACK (on_incoming), &phone);
  g_signal_connect (phone.sip, "call-refused", G_CALLBACK (on_refused), NULL);
  g_main_loop_run (phone.loop);
  return shutdown_phone (&phone);
}
