/* zv-conversation-private.h: what zv-conversation.c and zv-conversation-actions.c share: the
 * instance struct and the message actions' registration. */
#pragma once

#include "zv-composer.h"
#include "zv-conversation.h"
#include "zv-message-list.h"

G_BEGIN_DECLS

struct _ZvConversation
{
  AdwBin          parent_instance;

  /* owned */
  ZvSession      *session;
  ZvChat         *chat;
  ZvMessageList  *messages;
  GCancellable   *cancellable;

  gboolean        stick_to_bottom;
  double          from_bottom;      /* distance to keep while rows are added above */
  gboolean        keep_from_bottom;

  GHashTable     *typing;           /* user id -> monotonic time of their last typing notice */
  GHashTable     *fetching;         /* file ids whose thumbnail is being downloaded */
  guint           typing_timeout;
  gulong          typing_handler;
  ZvEvents       *events;

  GHashTable     *bound_rows;       /* ZvMessageRow set: the rows on screen, for the highlight */
  gint64          highlight_id;     /* the message to show highlighted, 0: none */
  guint           highlight_timeout;
  guint           scroll_position;  /* where zv_conversation_scroll_to_message wants to be */
  guint           scroll_retries;   /* frames left to re-apply it while the list learns row heights */
  guint           scroll_tick;

  /* The benchmark hook (ZVENO_BENCH_CHAT, see bench_after_paint) */
  gint64          bench_t0;         /* when the chat was set, 0: reported */
  guint           bench_frames;     /* frames spent scrolling up */
  guint           bench_at_top;     /* frames in a row at the top */
  gboolean        bench_scrolling;
  gboolean        bench_connected;

  gboolean        skip_binds;       /* while the list is given a long chat's model */
  GPtrArray      *skipped;          /* GtkListItem: not bound meanwhile */

  /* borrowed: template children */
  AdwToastOverlay *toasts;
  GtkRevealer    *new_messages_revealer;
  GtkRevealer    *typing_revealer;
  GtkLabel       *typing_label;
  GtkScrolledWindow *scroller;
  GtkListView    *list_view;
  GtkRevealer    *loading_revealer;
  GtkStack       *empty_stack;
  ZvComposer     *composer;
};

ZvAccount *zv_conversation_get_account     (ZvConversation *self);
void       zv_conversation_install_actions (GtkWidgetClass *widget_class);

G_END_DECLS
