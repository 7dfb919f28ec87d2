/* zv-server-private.h: what the resource handlers of zveno-server share: the server's state,
 * the request context, JSON and error reply helpers, and the cross-cutting operations (events,
 * sending a message) that several resources use. Not installed, not used outside src/server. */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "zv-error.h"
#include "zv-server-db.h"
#include "zv-server.h"

G_BEGIN_DECLS

#define ZV_MAX_JSON_BODY (1024 * 1024)

typedef struct _ZvFaultRule ZvFaultRule;
typedef struct _ZvEventClient ZvEventClient;

struct _ZvServer
{
  GObject         parent_instance;

  /* owned */
  ZvServerConfig  config;
  ZvServerDb     *db;
  SoupServer     *soup;
  char           *url;
  GPtrArray      *faults;         /* ZvFaultRule* */
  GHashTable     *login_failures; /* "login" or "ip:ADDR" -> GArray of gint64 times (us) */
  GHashTable     *event_clients;  /* user id (gint64*) -> GPtrArray of ZvEventClient* */
  GHashTable     *presence;       /* user id (gint64*) -> open socket count (GINT_TO_POINTER) */
  gint64          events_flushed; /* highest event seq already pushed to sockets */
  guint           housekeeping_id;
  gint64          echo_user_id;
};

/* One HTTP request being answered. Handlers that pause the message keep it with
 * zv_request_ref and finish with zv_request_unref. */
typedef struct {
  gint               ref_count;
  ZvServer          *server;    /* borrowed */
  SoupServerMessage *msg;       /* owned ref */
  char              *method;
  char              *path;
  GHashTable        *query;     /* owned, may be NULL */
  gint64             ids[3];    /* numeric path segments matched by '*' in the route */
  guint              n_ids;
  gint64             user_id;   /* 0 when the route needs no authentication */
  gint64             device_id;
  JsonNode          *body;      /* owned, parsed lazily */
} ZvRequest;

ZvRequest   *zv_request_ref             (ZvRequest   *req);
void         zv_request_unref           (ZvRequest   *req);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ZvRequest, zv_request_unref)

/* Query parameter or NULL. */
const char  *zv_request_query           (ZvRequest   *req,
                                         const char  *name);
/* Parses a non-negative integer query parameter; replies 400 and returns FALSE when malformed. */
gboolean     zv_request_query_int       (ZvRequest   *req,
                                         const char  *name,
                                         gint64       fallback,
                                         gint64       min,
                                         gint64       max,
                                         gint64      *out);
/* The request body as a JSON object; on failure replies 400/413 and returns NULL. Borrowed. */
JsonObject  *zv_request_json_object     (ZvRequest   *req);
char        *zv_request_client_address  (ZvRequest   *req);

void         zv_reply_json              (ZvRequest   *req,
                                         guint        status,
                                         JsonNode    *node);
void         zv_reply_object            (ZvRequest   *req,
                                         guint        status,
                                         JsonObject  *object);
void         zv_reply_error             (ZvRequest   *req,
                                         ZvApiError   code,
                                         const char  *message);
void         zv_reply_error_status      (ZvRequest   *req,
                                         guint        status,
                                         ZvApiError   code,
                                         const char  *message);
void         zv_reply_internal          (ZvRequest   *req,
                                         const GError *error);

/* Typed JSON member access that tolerates absence; *ok is cleared when a member has the wrong type. */
const char  *zv_json_string             (JsonObject  *object,
                                         const char  *member,
                                         gboolean    *ok);
gint64       zv_json_int                (JsonObject  *object,
                                         const char  *member,
                                         gint64       fallback,
                                         gboolean    *ok);

char        *zv_format_time             (gint64       ms);
void         zv_json_set_time           (JsonObject  *object,
                                         const char  *member,
                                         gint64       ms);
/* Parses ISO 8601 (or plain milliseconds); returns -1 when malformed. */
gint64       zv_parse_time              (const char  *text);

/* Handlers, one per route, in zv-server-<group>.c. */
typedef void (*ZvRouteHandler) (ZvRequest *req);

void zv_handle_discovery        (ZvRequest *req);
void zv_handle_login            (ZvRequest *req);
void zv_handle_refresh          (ZvRequest *req);
void zv_handle_logout           (ZvRequest *req);
void zv_handle_me               (ZvRequest *req);
void zv_handle_policy           (ZvRequest *req);
void zv_handle_telephony        (ZvRequest *req);
void zv_handle_directory        (ZvRequest *req);
void zv_handle_user             (ZvRequest *req);
void zv_handle_sync             (ZvRequest *req);
void zv_handle_chats_create     (ZvRequest *req);
void zv_handle_chat_get         (ZvRequest *req);
void zv_handle_chat_update      (ZvRequest *req);
void zv_handle_members_add      (ZvRequest *req);
void zv_handle_member_remove    (ZvRequest *req);
void zv_handle_chat_messages    (ZvRequest *req);
void zv_handle_message_send     (ZvRequest *req);
void zv_handle_message_edit     (ZvRequest *req);
void zv_handle_message_delete   (ZvRequest *req);
void zv_handle_reaction_add     (ZvRequest *req);
void zv_handle_reaction_remove  (ZvRequest *req);
void zv_handle_read_marker      (ZvRequest *req);
void zv_handle_typing           (ZvRequest *req);
void zv_handle_chat_settings   (ZvRequest *req);
void zv_handle_file_upload      (ZvRequest *req);
void zv_handle_file_get         (ZvRequest *req);
void zv_handle_file_meta        (ZvRequest *req);
void zv_handle_upload_create    (ZvRequest *req);
void zv_handle_upload_patch     (ZvRequest *req);
void zv_handle_upload_status    (ZvRequest *req);
void zv_handle_upload_delete    (ZvRequest *req);
void zv_handle_search           (ZvRequest *req);
void zv_handle_events           (ZvRequest *req);
void zv_handle_calls_list       (ZvRequest *req);
void zv_handle_calls_create     (ZvRequest *req);
void zv_handle_call_notes       (ZvRequest *req);
void zv_handle_call_stats       (ZvRequest *req);
void zv_handle_crm_lookup       (ZvRequest *req);

/* zv-server-auth.c */
char        *zv_token_new               (const char  *prefix);
char        *zv_sha256_hex              (const void  *data,
                                         gsize        len);
/* Resolves the bearer token; on failure replies 401 and returns FALSE. */
gboolean     zv_server_authenticate     (ZvServer          *self,
                                         SoupServerMessage *msg,
                                         gint64            *user_id,
                                         gint64            *device_id,
                                         ZvApiError        *code);

/* zv-server-account.c */
JsonObject  *zv_user_to_json            (ZvServer    *self,
                                         gint64       user_id);
gboolean     zv_user_is_external        (ZvServer    *self,
                                         gint64       user_id);
/* Integer policy value with a default. */
gint64       zv_policy_int              (ZvServer    *self,
                                         const char  *key);
char        *zv_policy_string           (ZvServer    *self,
                                         const char  *key);
gboolean     zv_policy_key_valid        (const char  *key,
                                         const char  *value,
                                         char       **message);

/* zv-server-chats.c */
gboolean     zv_chat_is_member          (ZvServer    *self,
                                         gint64       chat_id,
                                         gint64       user_id);
JsonObject  *zv_message_to_json         (ZvServer    *self,
                                         gint64       message_id);
/* The columns zv_message_from_row reads, in order. */
#define MESSAGE_COLUMNS "id, chat_id, sender_id, client_id, text, reply_to, created_at, edited_at, deleted, seq"
JsonObject  *zv_message_from_row        (ZvServer     *self,
                                         sqlite3_stmt *stmt);
JsonObject  *zv_chat_to_json            (ZvServer    *self,
                                         gint64       chat_id,
                                         gint64       user_id);
/* zv-server-settings.c: adds the requester's "muted", "pinned" and the chat's "external". */
void         zv_chat_settings_to_json   (ZvServer    *self,
                                         JsonObject  *object,
                                         gint64       chat_id,
                                         gint64       user_id);
/* A file is readable by its uploader and by members of a chat it was sent to. */
gboolean     zv_file_readable           (ZvServer    *self,
                                         gint64       file_id,
                                         gint64       user_id);
/* The send path shared by POST .../messages and the Echo bot. *created tells 201 from 200. */
JsonObject  *zv_chat_send_message       (ZvServer    *self,
                                         gint64       sender_id,
                                         gint64       chat_id,
                                         const char  *client_id,
                                         const char  *text,
                                         gint64       reply_to,
                                         JsonArray   *attachments,
                                         gboolean    *created,
                                         ZvApiError  *code,
                                         GError     **error);
/* zv-server-echo.c */
void         zv_echo_ensure_user        (ZvServer    *self);
void         zv_echo_schedule           (ZvServer    *self,
                                         gint64       chat_id,
                                         gint64       message_id,
                                         gint64       sender_id);

/* zv-server-events.c: stored events (inside the caller's transaction), then pushed after commit. */
void         zv_events_emit             (ZvServer    *self,
                                         gint64       user_id,
                                         const char  *type,
                                         JsonObject  *data);
void         zv_events_emit_chat        (ZvServer    *self,
                                         gint64       chat_id,
                                         const char  *type,
                                         JsonObject  *data);
void         zv_events_flush            (ZvServer    *self);
void         zv_events_send_live        (ZvServer    *self,
                                         gint64       user_id,
                                         const char  *type,
                                         JsonObject  *data);
void         zv_events_check_clients    (ZvServer    *self);
void         zv_events_prune            (ZvServer    *self);
void         zv_events_init             (ZvServer    *self);
void         zv_events_shutdown         (ZvServer    *self);
void         zv_events_websocket_cb     (SoupServer              *soup,
                                         SoupServerMessage       *msg,
                                         const char              *path,
                                         SoupWebsocketConnection *connection,
                                         gpointer                 user_data);
gboolean     zv_events_is_online        (ZvServer    *self,
                                         gint64       user_id);

/* zv-server-files.c: early (streaming) part of an upload. */
void         zv_files_upload_early      (ZvServer          *self,
                                         SoupServerMessage *msg);
/* PATCH /files/uploads/ID before its body: returns FALSE when @path is not one. */
gboolean     zv_files_upload_patch_early (ZvServer         *self,
                                         SoupServerMessage *msg,
                                         const char        *path);
/* Expired resumable uploads: at most hourly, on start and from the housekeeping tick. */
void         zv_files_uploads_cleanup   (ZvServer          *self);

/* zv-server-faults.c */
GPtrArray   *zv_faults_parse            (const char  *spec,
                                         GError     **error);
/* A "stall" rule for a WebSocket upgrade: completes the handshake and then stays silent; returns TRUE
 * when the request was taken over. */
gboolean     zv_faults_stall_websocket  (ZvServer          *self,
                                         SoupServerMessage *msg,
                                         const char        *path);
/* Applies a matching rule after the handler answered; returns TRUE when the reply was taken over. */
gboolean     zv_faults_apply            (ZvServer          *self,
                                         SoupServerMessage *msg,
                                         const char        *path);

/* zv-server-users.c: account creation shared by the admin CLI, the Echo bot and the seeder. */
typedef struct {
  const char *login;
  const char *name;
  const char *password;     /* NULL: cannot sign in */
  const char *title;
  const char *department;
  const char *email;
  const char *extension;
  const char *mobile;
  const char *company_phone;
  gboolean    external;
  gboolean    is_bot;
} ZvUserSpec;

char        *zv_password_hash           (const char  *password,
                                         guint        iterations);
gboolean     zv_password_verify         (const char  *password,
                                         const char  *stored);
gint64       zv_users_create            (ZvServerDb       *db,
                                         const ZvUserSpec *spec,
                                         const char       *sip_domain,
                                         GError          **error);
gboolean     zv_users_set_disabled      (ZvServerDb  *db,
                                         const char  *login,
                                         gboolean     disabled,
                                         const char  *sip_domain,
                                         GError     **error);
gboolean     zv_users_set_password      (ZvServerDb  *db,
                                         const char  *login,
                                         const char  *password,
                                         GError     **error);
char        *zv_users_sip_domain        (ZvServerDb  *db);

G_END_DECLS
