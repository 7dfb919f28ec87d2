/* zv-cli-follow.c: `zveno-cli follow`: keeps the cache live from the event stream (ZvEvents) and
 * prints a line per event, as text or JSON, until --seconds ran out, SIGINT/SIGTERM, or the
 * stream failed for good. */
#define G_LOG_DOMAIN "zveno-cli"

#include "config.h"

#include <glib/gi18n.h>
#ifdef G_OS_UNIX
#include <glib-unix.h>
#endif
#include <stdio.h>

#include "zv-cli-private.h"
#include "zv-events.h"

typedef struct {
  GMainLoop *loop;
  gboolean   as_json;
  int        status;
} Follow;

/* One line per event, flushed at once: scripts and tests read it as it comes. */
static void
follow_print (Follow     *follow,
              const char *type,
              gint64      seq,
              JsonNode   *data)
{
  g_autofree char *text = data != NULL ? json_to_string (data, FALSE) : g_strdup ("{}");

  if (follow->as_json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;
      g_autofree char *line = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "seq");
      json_builder_add_int_value (builder, seq);
      json_builder_set_member_name (builder, "type");
      json_builder_add_string_value (builder, type);
      json_builder_set_member_name (builder, "data");
      json_builder_add_value (builder, data != NULL ? json_node_copy (data) : json_node_init_object (json_node_alloc (), json_object_new ()));
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      line = json_to_string (root, FALSE);
      g_print ("%s\n", line);
    }
  else
    g_print ("%" G_GINT64_FORMAT " %s %s\n", seq, type, text);
  fflush (stdout);
}

static void
follow_applied_cb (ZvEvents   *events,
                   const char *type,
                   gint64      seq,
                   JsonNode   *data,
                   Follow     *follow)
{
  follow_print (follow, type, seq, data);
}

static void
follow_synced_cb (ZvEvents   *events,
                  const char *reason,
                  Follow     *follow)
{
  g_autoptr(JsonNode) data = json_node_init_object (json_node_alloc (), json_object_new ());

  json_object_set_string_member (json_node_get_object (data), "reason", reason != NULL ? reason : "");
  follow_print (follow, "synced", 0, data);
}

static void
follow_typing_cb (ZvEvents *events,
                  gint64    chat_id,
                  gint64    user_id,
                  Follow   *follow)
{
  g_autoptr(JsonNode) data = json_node_init_object (json_node_alloc (), json_object_new ());

  json_object_set_int_member (json_node_get_object (data), "chat_id", chat_id);
  json_object_set_int_member (json_node_get_object (data), "user_id", user_id);
  follow_print (follow, "typing", 0, data);
}

static void
follow_presence_cb (ZvEvents   *events,
                    gint64      user_id,
                    const char *presence,
                    Follow     *follow)
{
  g_autoptr(JsonNode) data = json_node_init_object (json_node_alloc (), json_object_new ());

  json_object_set_int_member (json_node_get_object (data), "user_id", user_id);
  json_object_set_string_member (json_node_get_object (data), "presence", presence);
  follow_print (follow, "presence", 0, data);
}

static void
follow_state_cb (ZvEvents   *events,
                 GParamSpec *pspec,
                 Follow     *follow)
{
  g_autoptr(GEnumClass) states = g_type_class_ref (ZV_TYPE_EVENTS_STATE);
  GEnumValue *value = g_enum_get_value (states, zv_events_get_state (events));
  g_autoptr(JsonNode) data = json_node_init_object (json_node_alloc (), json_object_new ());

  json_object_set_string_member (json_node_get_object (data), "state", value->value_nick);
  follow_print (follow, "state", 0, data);
}

static void
follow_failed_cb (ZvEvents     *events,
                  const GError *error,
                  Follow       *follow)
{
  follow->status = zv_cli_fail ("%s", error->message);
  g_main_loop_quit (follow->loop);
}

static gboolean
follow_quit_cb (gpointer user_data)
{
  Follow *follow = user_data;

  g_main_loop_quit (follow->loop);
  return G_SOURCE_CONTINUE;
}

int
zv_cli_cmd_follow (Cli *cli, int argc, char **argv)
{
  gboolean as_json = FALSE;
  int seconds = 0;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &as_json, N_("Print JSON, one object a line"), NULL },
    { "seconds", 0, 0, G_OPTION_ARG_INT, &seconds, N_("Stop after N seconds (default: run until interrupted)"), "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— apply live events to the cache and print them");
  g_autoptr(GError) error = NULL;
  g_autoptr(ZvEvents) events = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  Follow follow = { 0 };
  guint timeout_id = 0;
  guint signal_ids[2] = { 0, 0 };

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return zv_cli_fail ("%s", error->message);
  if (seconds < 0)
    return zv_cli_fail ("%s", _("--seconds must not be negative"));
  if (!zv_cli_open_account (cli, TRUE, &error))
    return zv_cli_fail ("%s", error->message);

  loop = g_main_loop_new (NULL, FALSE);
  follow.loop = loop;
  follow.as_json = as_json;
  events = zv_events_new (cli->account);
  g_signal_connect (events, "applied", G_CALLBACK (follow_applied_cb), &follow);
  g_signal_connect (events, "synced", G_CALLBACK (follow_synced_cb), &follow);
  g_signal_connect (events, "typing", G_CALLBACK (follow_typing_cb), &follow);
  g_signal_connect (events, "presence", G_CALLBACK (follow_presence_cb), &follow);
  g_signal_connect (events, "notify::state", G_CALLBACK (follow_state_cb), &follow);
  g_signal_connect (events, "failed", G_CALLBACK (follow_failed_cb), &follow);
  if (seconds > 0)
    timeout_id = g_timeout_add_seconds ((guint) seconds, follow_quit_cb, &follow);
#ifdef G_OS_UNIX
  /* Interrupted or terminated is a normal end for a follower: exit 0 with the cache consistent. */
  signal_ids[0] = g_unix_signal_add (SIGINT, follow_quit_cb, &follow);
  signal_ids[1] = g_unix_signal_add (SIGTERM, follow_quit_cb, &follow);
#endif
  zv_events_start (events);
  g_main_loop_run (loop);
  for (guint i = 0; i < G_N_ELEMENTS (signal_ids); i++)
    g_clear_handle_id (&signal_ids[i], g_source_remove);
  g_clear_handle_id (&timeout_id, g_source_remove);
  g_signal_handlers_disconnect_by_data (events, &follow);
  zv_events_stop (events);
  return follow.status;
}
