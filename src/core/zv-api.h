/* zv-api.h: the UC API client: JSON requests over libsoup with typed errors. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

#define ZV_TYPE_API (zv_api_get_type ())

G_DECLARE_FINAL_TYPE (ZvApi, zv_api, ZV, API, GObject)

ZvApi       *zv_api_new                  (const char           *base_url);
const char  *zv_api_get_base_url         (ZvApi                *self);
/* A number of seconds (1..3600) from the environment variable @variable, else @fallback: the
 * timeouts tests and IT scripts shorten (ZVENO_HTTP_TIMEOUT, ZVENO_EVENTS_KEEPALIVE). */
guint        zv_api_seconds_from_env     (const char           *variable,
                                          guint                 fallback);
gboolean     zv_api_set_ca_file          (ZvApi                *self,
                                          const char           *path,
                                          GError              **error);
void         zv_api_set_access_token     (ZvApi                *self,
                                          const char           *token);
void         zv_api_set_max_response_size (ZvApi               *self,
                                          gsize                 bytes);
void         zv_api_set_timeout          (ZvApi                *self,
                                          guint                 seconds);
void         zv_api_call_async           (ZvApi                *self,
                                          const char           *method,
                                          const char           *path,
                                          JsonNode             *body,
                                          GCancellable         *cancellable,
                                          GAsyncReadyCallback   callback,
                                          gpointer              user_data);
JsonNode    *zv_api_call_finish          (ZvApi                *self,
                                          GAsyncResult         *result,
                                          GError              **error);
JsonNode    *zv_api_call_sync            (ZvApi                *self,
                                          const char           *method,
                                          const char           *path,
                                          JsonNode             *body,
                                          GCancellable         *cancellable,
                                          GError              **error);
SoupMessage *zv_api_new_message          (ZvApi                *self,
                                          const char           *method,
                                          const char           *path,
                                          GError              **error);
void         zv_api_send_async           (ZvApi                *self,
                                          SoupMessage          *message,
                                          GCancellable         *cancellable,
                                          GAsyncReadyCallback   callback,
                                          gpointer              user_data);
JsonNode    *zv_api_send_finish          (ZvApi                *self,
                                          GAsyncResult         *result,
                                          GError              **error);
GBytes      *zv_api_send_finish_bytes    (ZvApi                *self,
                                          GAsyncResult         *result,
                                          GError              **error);
void         zv_api_websocket_connect_async  (ZvApi                *self,
                                              const char           *path,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
SoupWebsocketConnection *
             zv_api_websocket_connect_finish (ZvApi                *self,
                                              GAsyncResult         *result,
                                              GError              **error);

char        *zv_api_discovery_url        (const char           *address,
                                          GError              **error);
void         zv_api_discover_async       (const char           *address,
                                          const char           *ca_file,
                                          GCancellable         *cancellable,
                                          GAsyncReadyCallback   callback,
                                          gpointer              user_data);
char        *zv_api_discover_finish      (GAsyncResult         *result,
                                          GError              **error);

G_END_DECLS
