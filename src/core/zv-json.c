/* zv-json.c: strict JSON accessors for answers from the UC API.
 *
 * json-glib's own getters return 0 or NULL and print a critical on a type mismatch; with
 * G_DEBUG=fatal-criticals that is a crash, and without it a silently wrong row. Every accessor
 * here checks the node type first and reports which member was wrong.
 */
#define G_LOG_DOMAIN "zveno-core"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "zv-error.h"
#include "zv-json.h"

static gboolean
bad_member (GError     **error,
            const char  *member,
            const char  *expected)
{
  g_set_error (error, ZV_API_ERROR, ZV_API_ERROR_INVALID_RESPONSE,
               _("The server's answer is not valid: “%s” must be %s"), member, expected);
  return FALSE;
}

/* json-glib's scanner takes escapes JSON does not have (octal "\202" becomes the byte 0x82), so
 * valid UTF-8 input can still give strings that are not UTF-8: found by fuzz-json. Every member
 * name and string is checked once here, so nothing downstream (the cache, Pango) ever sees one.
 * zveno-server checks request bodies with it too: a message stored with such a string would make
 * every page that carries it unreadable to every member's client. */
gboolean
zv_json_node_is_utf8 (JsonNode *node)
{
  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObjectIter iter;
        const char *name;
        JsonNode *member;

        json_object_iter_init (&iter, json_node_get_object (node));
        while (json_object_iter_next (&iter, &name, &member))
          if (!g_utf8_validate (name, -1, NULL) || !zv_json_node_is_utf8 (member))
            return FALSE;
        return TRUE;
      }

    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);

        for (guint i = 0; i < json_array_get_length (array); i++)
          if (!zv_json_node_is_utf8 (json_array_get_element (array, i)))
            return FALSE;
        return TRUE;
      }

    case JSON_NODE_VALUE:
      return json_node_get_value_type (node) != G_TYPE_STRING ||
             g_utf8_validate (json_node_get_string (node), -1, NULL);

    case JSON_NODE_NULL:
    default:
      return TRUE;
    }
}

/* Parses a whole answer; its top level must be an object. */
JsonNode *
zv_json_parse (const char  *data,
               gsize        length,
               GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;

  if (!g_utf8_validate (data, (gssize) length, NULL))
    {
      g_set_error_literal (error, ZV_API_ERROR, ZV_API_ERROR_INVALID_RESPONSE,
                           _("The server's answer is not valid UTF-8 text"));
      return NULL;
    }
  if (!json_parser_load_from_data (parser, data, (gssize) length, &local_error))
    {
      g_set_error (error, ZV_API_ERROR, ZV_API_ERROR_INVALID_RESPONSE,
                   _("The server's answer is not valid JSON: %s"), local_error->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, ZV_API_ERROR, ZV_API_ERROR_INVALID_RESPONSE,
                           _("The server's answer is not a JSON object"));
      return NULL;
    }
  if (!zv_json_node_is_utf8 (root))
    {
      g_set_error_literal (error, ZV_API_ERROR, ZV_API_ERROR_INVALID_RESPONSE,
                           _("The server's answer is not valid UTF-8 text"));
      return NULL;
    }
  return json_node_ref (root);
}

static gboolean
node_is_integer (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64;
}

gboolean
zv_json_get_int (JsonObject  *object,
                 const char  *member,
                 gint64      *out,
                 GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || !node_is_integer (node))
    return bad_member (error, member, _("an integer"));
  *out = json_node_get_int (node);
  return TRUE;
}

/* A required member that may be null (or absent: older servers omit nulls). */
gboolean
zv_json_get_int_or_null (JsonObject  *object,
                         const char  *member,
                         gint64       if_null,
                         gint64      *out,
                         GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      *out = if_null;
      return TRUE;
    }
  if (!node_is_integer (node))
    return bad_member (error, member, _("an integer or null"));
  *out = json_node_get_int (node);
  return TRUE;
}

gboolean
zv_json_get_bool (JsonObject  *object,
                  const char  *member,
                  gboolean     if_missing,
                  gboolean    *out,
                  GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL)
    {
      *out = if_missing;
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return bad_member (error, member, _("true or false"));
  *out = json_node_get_boolean (node);
  return TRUE;
}

/* Returns: (transfer none): the string, or %NULL with @error set. */
const char *
zv_json_get_string (JsonObject  *object,
                    const char  *member,
                    GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      bad_member (error, member, _("a string"));
      return NULL;
    }
  return json_node_get_string (node);
}

gboolean
zv_json_get_string_or_null (JsonObject  *object,
                            const char  *member,
                            const char **out,
                            GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      *out = NULL;
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return bad_member (error, member, _("a string or null"));
  *out = json_node_get_string (node);
  return TRUE;
}

/* An ISO 8601 time ("2026-11-28T13:31:04.123Z") as milliseconds since the epoch; with @nullable,
 * null or absent gives 0. */
gboolean
zv_json_get_time (JsonObject  *object,
                  const char  *member,
                  gboolean     nullable,
                  gint64      *out_ms,
                  GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);
  g_autoptr(GDateTime) time = NULL;

  if (nullable && (node == NULL || JSON_NODE_HOLDS_NULL (node)))
    {
      *out_ms = 0;
      return TRUE;
    }
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING ||
      (time = g_date_time_new_from_iso8601 (json_node_get_string (node), NULL)) == NULL)
    return bad_member (error, member, nullable ? _("a time (ISO 8601) or null") : _("a time (ISO 8601)"));
  *out_ms = g_date_time_to_unix (time) * 1000 + g_date_time_get_microsecond (time) / 1000;
  return TRUE;
}

/* Returns: (transfer none) (nullable): the array; an absent optional array is %NULL without error. */
JsonArray *
zv_json_get_array (JsonObject  *object,
                   const char  *member,
                   gboolean     required,
                   GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL && !required)
    return NULL;
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      bad_member (error, member, _("an array"));
      return NULL;
    }
  return json_node_get_array (node);
}

JsonObject *
zv_json_get_object (JsonObject  *object,
                    const char  *member,
                    GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      bad_member (error, member, _("an object"));
      return NULL;
    }
  return json_node_get_object (node);
}

JsonObject *
zv_json_array_get_object (JsonArray   *array,
                          guint        index,
                          const char  *what,
                          GError     **error)
{
  JsonNode *node = json_array_get_element (array, index);

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_autofree char *member = g_strdup_printf ("%s[%u]", what, index);
      bad_member (error, member, _("an object"));
      return NULL;
    }
  return json_node_get_object (node);
}

gboolean
zv_json_array_get_int (JsonArray   *array,
                       guint        index,
                       const char  *what,
                       gint64      *out,
                       GError     **error)
{
  JsonNode *node = json_array_get_element (array, index);

  if (node == NULL || !node_is_integer (node))
    {
      g_autofree char *member = g_strdup_printf ("%s[%u]", what, index);
      return bad_member (error, member, _("an integer"));
    }
  *out = json_node_get_int (node);
  return TRUE;
}

char *
zv_json_to_string (JsonNode *node)
{
  return json_to_string (node, FALSE);
}
