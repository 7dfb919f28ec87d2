/* zv-json.h: strict reading of the server's JSON. A member of the wrong type or a missing required
 * member is a ZV_API_ERROR_INVALID_RESPONSE naming the member, never a crash or a guessed value. */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

JsonNode    *zv_json_parse               (const char  *data,
                                          gsize        length,
                                          GError     **error);
gboolean     zv_json_node_is_utf8        (JsonNode    *node);
gboolean     zv_json_get_int             (JsonObject  *object,
                                          const char  *member,
                                          gint64      *out,
                                          GError     **error);
gboolean     zv_json_get_int_or_null     (JsonObject  *object,
                                          const char  *member,
                                          gint64       if_null,
                                          gint64      *out,
                                          GError     **error);
gboolean     zv_json_get_bool            (JsonObject  *object,
                                          const char  *member,
                                          gboolean     if_missing,
                                          gboolean    *out,
                                          GError     **error);
const char  *zv_json_get_string          (JsonObject  *object,
                                          const char  *member,
                                          GError     **error);
gboolean     zv_json_get_string_or_null  (JsonObject  *object,
                                          const char  *member,
                                          const char **out,
                                          GError     **error);
gboolean     zv_json_get_time            (JsonObject  *object,
                                          const char  *member,
                                          gboolean     nullable,
                                          gint64      *out_ms,
                                          GError     **error);
JsonArray   *zv_json_get_array           (JsonObject  *object,
                                          const char  *member,
                                          gboolean     required,
                                          GError     **error);
JsonObject  *zv_json_get_object          (JsonObject  *object,
                                          const char  *member,
                                          GError     **error);
JsonObject  *zv_json_array_get_object    (JsonArray   *array,
                                          guint        index,
                                          const char  *what,
                                          GError     **error);
gboolean     zv_json_array_get_int       (JsonArray   *array,
                                          guint        index,
                                          const char  *what,
                                          gint64      *out,
                                          GError     **error);
char        *zv_json_to_string           (JsonNode    *node);

G_END_DECLS
