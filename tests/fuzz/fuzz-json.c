/* fuzz-json.c: the strict JSON accessors (zv-json.c) every API response decoder goes through.
 * Any bytes: parsed as the client parses a response, then every member read with every accessor.
 * Invariant: what zv_json_to_string writes parses again to the same text. */
#define G_LOG_DOMAIN "zveno-fuzz"

#include "config.h"

#include "fuzz-common.h"
#include "zv-json.h"

static void
read_member (JsonObject *object,
             const char *member)
{
  gint64 i;
  gboolean b;
  const char *s;
  JsonArray *array;

  /* Each accessor either succeeds or sets an error; a failure must leave no dangling error. */
  {
    g_autoptr(GError) error = NULL;
    if (!zv_json_get_int (object, member, &i, &error) && error == NULL)
      zv_fuzz_fail ("zv_json_get_int failed without an error");
  }
  {
    g_autoptr(GError) error = NULL;
    (void) zv_json_get_int_or_null (object, member, -1, &i, &error);
  }
  {
    g_autoptr(GError) error = NULL;
    (void) zv_json_get_bool (object, member, FALSE, &b, &error);
  }
  {
    g_autoptr(GError) error = NULL;
    s = zv_json_get_string (object, member, &error);
    if (s == NULL && error == NULL)
      zv_fuzz_fail ("zv_json_get_string returned NULL without an error");
  }
  {
    g_autoptr(GError) error = NULL;
    (void) zv_json_get_string_or_null (object, member, &s, &error);
  }
  for (int nullable = 0; nullable < 2; nullable++)
    {
      g_autoptr(GError) error = NULL;
      (void) zv_json_get_time (object, member, nullable, &i, &error);
    }
  {
    g_autoptr(GError) error = NULL;
    (void) zv_json_get_object (object, member, &error);
  }
  for (int required = 0; required < 2; required++)
    {
      g_autoptr(GError) error = NULL;
      array = zv_json_get_array (object, member, required, &error);
      if (array == NULL)
        continue;
      for (guint n = 0; n < json_array_get_length (array) && n < 64; n++)
        {
          g_autoptr(GError) e1 = NULL;
          g_autoptr(GError) e2 = NULL;
          JsonObject *element = zv_json_array_get_object (array, n, "element", &e1);

          (void) zv_json_array_get_int (array, n, "element", &i, &e2);
          if (element != NULL)
            {
              /* Nested objects are what the appliers walk (a chat's members, a message's attachments). */
              g_autoptr(GList) names = json_object_get_members (element);

              for (GList *l = names; l != NULL; l = l->next)
                {
                  g_autoptr(GError) e3 = NULL;
                  (void) zv_json_get_int (element, l->data, &i, &e3);
                  g_clear_error (&e3);
                  (void) zv_json_get_string (element, l->data, &e3);
                }
            }
        }
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static const char *const members[] = {
    "id", "seq", "type", "data", "text", "created_at", "edited_at", "chat_id", "members", "messages",
    "chats", "users", "next", "has_more", "user_id", "title", "client_id", "deleted", "reply_to",
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;

  zv_fuzz_init ();
  root = zv_json_parse ((const char *) data, size, &error);
  if (root == NULL)
    {
      if (error == NULL)
        zv_fuzz_fail ("zv_json_parse failed without an error");
      return 0;
    }

  {
    g_autofree char *text = zv_json_to_string (root);
    g_autoptr(GError) again_error = NULL;
    g_autoptr(JsonNode) again = zv_json_parse (text, strlen (text), &again_error);
    g_autofree char *text2 = NULL;

    if (again == NULL)
      zv_fuzz_fail ("our own JSON output does not parse: %s", again_error->message);
    text2 = zv_json_to_string (again);
    if (g_strcmp0 (text, text2) != 0)
      zv_fuzz_fail ("JSON round trip changed the text");
  }

  if (JSON_NODE_HOLDS_OBJECT (root))
    {
      JsonObject *object = json_node_get_object (root);
      g_autoptr(GList) names = json_object_get_members (object);

      for (gsize i = 0; i < G_N_ELEMENTS (members); i++)
        read_member (object, members[i]);
      for (GList *l = names; l != NULL; l = l->next)
        read_member (object, l->data);
    }
  return 0;
}
