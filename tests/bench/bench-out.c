/* bench-out.c: writes benchmark figures as JSON lines (see bench-out.h). */
#define G_LOG_DOMAIN "zveno-bench"

#include "config.h"

#include <json-glib/json-glib.h>
#include <stdio.h>

#include "bench-out.h"

void
bench_out (const char *bench,
           const char *figure,
           double      value,
           const char *unit,
           const char *fallback_command)
{
  const char *path = g_getenv ("ZVENO_BENCH_OUT");
  const char *command = g_getenv ("ZVENO_BENCH_COMMAND");
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *line = NULL;
  FILE *out;

  if (path == NULL || *path == '\0')
    return;
  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "bench");
  json_builder_add_string_value (builder, bench);
  json_builder_set_member_name (builder, "figure");
  json_builder_add_string_value (builder, figure);
  json_builder_set_member_name (builder, "value");
  json_builder_add_double_value (builder, value);
  json_builder_set_member_name (builder, "unit");
  json_builder_add_string_value (builder, unit);
  json_builder_set_member_name (builder, "command");
  json_builder_add_string_value (builder, command != NULL && *command != '\0' ? command : fallback_command);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  line = json_to_string (root, FALSE);
  /* One write of one line in append mode: benchmarks running one after another never interleave. */
  out = fopen (path, "a");
  if (out == NULL)
    {
      g_printerr ("bench: cannot append to %s\n", path);
      return;
    }
  fprintf (out, "%s\n", line);
  fclose (out);
}
