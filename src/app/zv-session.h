/* zv-session.h: the app's one signed-in (or not yet signed-in) company account with everything
 * that runs for it: the cache, the first sync, the live event stream and the outbox. */
#pragma once

#include <gio/gio.h>

#include "zv-account.h"
#include "zv-chat-list.h"
#include "zv-events.h"
#include "zv-notifier.h"
#include "zv-outbox.h"
#include "zv-profile.h"
#include "zv-sync.h"

G_BEGIN_DECLS

typedef enum {
  ZV_SESSION_STATE_LOADING,       /* reading the cache from disk */
  ZV_SESSION_STATE_SIGNED_OUT,
  ZV_SESSION_STATE_SIGNING_IN,
  ZV_SESSION_STATE_SYNCING,       /* the first sync of a new cache */
  ZV_SESSION_STATE_READY,
  ZV_SESSION_STATE_OFFLINE,       /* signed in, the server cannot be reached right now */
  ZV_SESSION_STATE_DEACTIVATED,   /* the company disabled the account; the device is wiped */
} ZvSessionState;

#define ZV_TYPE_SESSION_STATE (zv_session_state_get_type ())
GType zv_session_state_get_type (void) G_GNUC_CONST;

#define ZV_TYPE_SESSION (zv_session_get_type ())

G_DECLARE_FINAL_TYPE (ZvSession, zv_session, ZV, SESSION, GObject)

ZvSession          *zv_session_new              (void);
void                zv_session_start            (ZvSession            *self);
ZvSessionState      zv_session_get_state        (ZvSession            *self);
ZvProfile          *zv_session_get_profile      (ZvSession            *self);
ZvAccount          *zv_session_get_account      (ZvSession            *self);
ZvOutbox           *zv_session_get_outbox       (ZvSession            *self);
ZvEvents           *zv_session_get_events       (ZvSession            *self);
ZvChatList         *zv_session_get_chat_list    (ZvSession            *self);
ZvNotifier         *zv_session_get_notifier     (ZvSession            *self);
GObject            *zv_session_get_phone        (ZvSession            *self);
void                zv_session_start_phone      (ZvSession            *self);
const ZvSyncStats  *zv_session_get_sync_stats   (ZvSession            *self);
const char         *zv_session_get_deactivation_reason (ZvSession *self);

void                zv_session_sign_in_async    (ZvSession            *self,
                                                 const char           *address,
                                                 const char           *login,
                                                 const char           *password,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
gboolean            zv_session_sign_in_finish   (ZvSession            *self,
                                                 GAsyncResult         *result,
                                                 GError              **error);
void                zv_session_send             (ZvSession            *self,
                                                 gint64                chat_id,
                                                 const char           *text,
                                                 gint64                reply_to);
void                zv_session_flush_outbox     (ZvSession            *self);
void                zv_session_mark_read        (ZvSession            *self,
                                                 gint64                chat_id);
void                zv_session_save_draft       (ZvSession            *self,
                                                 gint64                chat_id,
                                                 const char           *text);

G_END_DECLS
