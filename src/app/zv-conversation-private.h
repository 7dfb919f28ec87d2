/* zv-conversation-private.h: what zv-conversation.c and zv-conversation-actions.c share: the
 * instance struct and the message actions' registration. */
#pragma once

#include "zv-composer.h"
#include "zv-conversation.h"
#include "zv-list-window.h"
#include "zv-message-list.h"

G_BEGIN_DECLS

struct _ZvConversation
{
  AdwBin          parent_instance;

  /* owned */
  ZvSession      *session;
  ZvChat         *chat;
  ZvMessageList  *messages;
  ZvListWindow   *window;           /* the range of messages the list view is given */
  guint           grow_idle;        /* the window grows here, not inside the adjustment's signal */
  guint           trim_tick;        /* drops rows beyond WINDOW_MAX, a frame after a growth */
  guint           trim_wait;        /* frames still to wait */
  gboolean        trim_end;         /* drop them at the end (after growing at the start) */
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
  guint           scroll_position;  /* where zv_conversation_scroll_to_message wants to be (in messages) */
  guint           scroll_retries;   /* frames left to re-apply it while the list learns row heights */
  guint           scroll_tick;

  /* The benchmark hook (ZVENO_BENCH_CHAT, see bench_after_paint) */
  gint64          bench_t0;         /* when the chat was set, 0: reported */
  guint           bench_frames;     /* frames spent scrolling up */
  guint           bench_at_top;     /* frames in a row at the top */
  guint           bench_binds;      /* rows bound since the chat was set */
  guint           bench_paints;     /* frames painted since the chat was set */
  guint           bench_grown;      /* rows the window grew at its start since the last frame, 0: none */
  double          bench_grow_value; /* the adjustment then */
  double          bench_grow_upper;
  guint           bench_grows;      /* growths at the start measured */
  double          bench_drift_max;  /* the most the view moved at one of them, in px */
  gboolean        bench_scrolling;
  gboolean        bench_connected;

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
