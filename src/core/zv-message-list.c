/* zv-message-list.c: ZvMessageList, one chat's messages oldest first, read lazily by position.
 *
 * A chat may hold 100,000 messages; the list never makes an object for each. It keeps:
 *  - the tail: every row with id >= tail_from (the newest ~100 and all outbox rows), as objects.
 *    New messages, edits, deliveries and deletions land here, so those changes are computed
 *    exactly by merging the old tail with a fresh read (ids are ordered), one items-changed per run.
 *  - pages of the older part [min_id, tail_from), read on demand by keyset queries on the
 *    (chat_id, id) index, at most MAX_PAGES of them (least recently used go first).
 *  - anchors: (position, id) pairs of pages seen before, so that a page anywhere is found with a
 *    short index walk from the nearest known place instead of an OFFSET from the start.
 * The older part changes in two ways only: backfill before min_id (items-changed at 0) or, rarely,
 * rows appearing or vanishing inside it, which is detected by counting and reported as one change
 * of that range. Every query is bounded by [min_id, tail_from), so rows committed but not yet
 * announced by ::changed never shift positions under the UI.
 */
#define G_LOG_DOMAIN "zveno-core"

#include "config.h"

#include "zv-message-list-private.h"
#include "zv-outbox.h"

#define PAGE_SIZE   50
#define MAX_PAGES   4      /* with the tail: at most ~300 message objects held by the list */
#define TAIL_KEEP   100
#define TAIL_MAX    200    /* the tail is cut back to TAIL_KEEP when it grows past this */
#define MAX_ANCHORS 512

typedef struct {
  guint      start;
  GPtrArray *items;        /* ZvMessage */
} Page;

typedef struct {
  guint  pos;
  gint64 id;
} Anchor;

struct _ZvMessageList
{
  GObject     parent_instance;

  /* owned */
  ZvStore    *store;
  ZvAccount  *account;     /* may be NULL: no backfill (tests, offline tools) */
  GPtrArray  *tail;        /* ZvMessage, ids >= tail_from */
  GPtrArray  *pages;       /* Page, most recently used first */
  GArray     *anchors;     /* Anchor, positions < the tail's */
  gulong      changed_id;

  gint64      chat_id;
  gint64      self_id;
  gint64      min_id;      /* the first row's id, when there are rows before the tail */
  gint64      tail_from;   /* G_MININT64: the tail is the whole chat */
  guint       n;
  gboolean    limited;
  gboolean    history_complete;
  gboolean    loading;
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ZvMessageList, zv_message_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

enum {
  PROP_0,
  PROP_STORE,
  PROP_ACCOUNT,
  PROP_CHAT_ID,
  PROP_SELF_ID,
  PROP_LIMITED,
  PROP_HISTORY_COMPLETE,
  PROP_LOADING,
  PROP_N_ITEMS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
page_free (Page *page)
{
  g_ptr_array_unref (page->items);
  g_free (page);
}

static guint
mid_len (ZvMessageList *self)
{
  return self->n - self->tail->len;
}

/* ---- queries ------------------------------------------------------------------------------------ */

/* Rows of the chat with lo <= id < hi, ascending or descending, at most @limit (0: all), appended
 * to @out in ascending order. */
static gboolean
fetch_range (ZvMessageList  *self,
             gint64          lo,
             gint64          hi,
             gboolean        ascending,
             guint           limit,
             GPtrArray      *out,
             GError        **error)
{
  ZvDb *db = zv_store_get_reader (self->store);
  sqlite3_stmt *stmt;
  guint first = out->len;
  int rc;

  stmt = zv_db_prepare (db, ascending
                        ? ZV_MESSAGE_SELECT "WHERE m.chat_id = ?1 AND m.id >= ?2 AND m.id < ?3 ORDER BY m.id ASC LIMIT ?4"
                        : ZV_MESSAGE_SELECT "WHERE m.chat_id = ?1 AND m.id >= ?2 AND m.id < ?3 ORDER BY m.id DESC LIMIT ?4",
                        error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, self->chat_id);
  sqlite3_bind_int64 (stmt, 2, lo);
  sqlite3_bind_int64 (stmt, 3, hi);
  sqlite3_bind_int64 (stmt, 4, limit == 0 ? -1 : (gint64) limit);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (out, zv_message_new_from_row (stmt, self->self_id));
  if (rc != SQLITE_DONE)
    zv_db_set_error (db, error);
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return FALSE;

  if (!ascending)
    for (guint i = first, j = out->len; i + 1 < j; i++, j--)
      {
        gpointer tmp = out->pdata[i];

        out->pdata[i] = out->pdata[j - 1];
        out->pdata[j - 1] = tmp;
      }
  return TRUE;
}

/* The id @offset rows into [lo, hi) from the low end (or the high end); the walk runs on the
 * (chat_id, id) index only. Returns FALSE without @error when there is no such row. */
static gboolean
id_at_offset (ZvMessageList  *self,
              gint64          lo,
              gint64          hi,
              gboolean        ascending,
              guint           offset,
              gint64         *id,
              GError        **error)
{
  ZvDb *db = zv_store_get_reader (self->store);
  sqlite3_stmt *stmt;
  int rc;

  stmt = zv_db_prepare (db, ascending
                        ? "SELECT id FROM messages WHERE chat_id = ?1 AND id >= ?2 AND id < ?3 ORDER BY id ASC LIMIT 1 OFFSET ?4"
                        : "SELECT id FROM messages WHERE chat_id = ?1 AND id >= ?2 AND id < ?3 ORDER BY id DESC LIMIT 1 OFFSET ?4",
                        error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, self->chat_id);
  sqlite3_bind_int64 (stmt, 2, lo);
  sqlite3_bind_int64 (stmt, 3, hi);
  sqlite3_bind_int64 (stmt, 4, offset);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    *id = sqlite3_column_int64 (stmt, 0);
  else if (rc != SQLITE_DONE)
    zv_db_set_error (db, error);
  sqlite3_reset (stmt);
  return rc == SQLITE_ROW;
}

static gboolean
count_range (ZvMessageList  *self,
             gint64          lo,
             gint64          hi,
             guint          *count,
             GError        **error)
{
  ZvDb *db = zv_store_get_reader (self->store);
  sqlite3_stmt *stmt;
  int rc;

  stmt = zv_db_prepare (db, "SELECT count(*) FROM messages WHERE chat_id = ?1 AND id >= ?2 AND id < ?3", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, self->chat_id);
  sqlite3_bind_int64 (stmt, 2, lo);
  sqlite3_bind_int64 (stmt, 3, hi);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    *count = (guint) sqlite3_column_int64 (stmt, 0);
  else
    zv_db_set_error (db, error);
  sqlite3_reset (stmt);
  return rc == SQLITE_ROW;
}

static gboolean
min_id (ZvMessageList  *self,
        gint64         *out,
        GError        **error)
{
  ZvDb *db = zv_store_get_reader (self->store);
  sqlite3_stmt *stmt = zv_db_prepare (db, "SELECT min(id) FROM messages WHERE chat_id = ?1", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, self->chat_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    *out = sqlite3_column_type (stmt, 0) == SQLITE_NULL ? G_MAXINT64 : sqlite3_column_int64 (stmt, 0);
  else
    zv_db_set_error (db, error);
  sqlite3_reset (stmt);
  return rc == SQLITE_ROW;
}

/* ---- the older part: pages and anchors ---------------------------------------------------------- */

static void
add_anchor (ZvMessageList *self,
            guint          pos,
            gint64         id,
            guint          near)
{
  Anchor anchor = { pos, id };
  guint i;

  for (i = 0; i < self->anchors->len; i++)
    {
      Anchor *a = &g_array_index (self->anchors, Anchor, i);

      if (a->pos == pos)
        {
          a->id = id;
          return;
        }
      if (a->pos > pos)
        break;
    }
  g_array_insert_val (self->anchors, i, anchor);

  if (self->anchors->len > MAX_ANCHORS)
    {
      /* Forget the one farthest from where the UI is looking. */
      Anchor *first = &g_array_index (self->anchors, Anchor, 0);
      Anchor *last = &g_array_index (self->anchors, Anchor, self->anchors->len - 1);

      if (near - MIN (near, first->pos) > MAX (near, last->pos) - near)
        g_array_remove_index (self->anchors, 0);
      else
        g_array_remove_index (self->anchors, self->anchors->len - 1);
    }
}

static void
forget_older_part (ZvMessageList *self)
{
  g_ptr_array_set_size (self->pages, 0);
  g_array_set_size (self->anchors, 0);
}

static void
shift_older_part (ZvMessageList *self,
                  guint          by)
{
  for (guint i = 0; i < self->pages->len; i++)
    ((Page *) g_ptr_array_index (self->pages, i))->start += by;
  for (guint i = 0; i < self->anchors->len; i++)
    g_array_index (self->anchors, Anchor, i).pos += by;
}

static void
remember_page (ZvMessageList *self,
               guint          start,
               GPtrArray     *items,
               guint          near)
{
  Page *page = g_new0 (Page, 1);

  page->start = start;
  page->items = g_ptr_array_ref (items);
  g_ptr_array_insert (self->pages, 0, page);
  while (self->pages->len > MAX_PAGES)
    g_ptr_array_remove_index (self->pages, self->pages->len - 1);

  add_anchor (self, start, zv_message_get_id (g_ptr_array_index (items, 0)), near);
  add_anchor (self, start + items->len - 1, zv_message_get_id (g_ptr_array_index (items, items->len - 1)), near);
}

/* Reads the rows at positions [s, e) of the older part, walking from the nearest known place. */
static GPtrArray *
read_older (ZvMessageList  *self,
            guint           s,
            guint           e,
            GError        **error)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (g_object_unref);
  guint end = mid_len (self);
  /* Known places: the first row, the row before the tail, and the anchors. */
  gboolean forward = TRUE;
  gint64 from = self->min_id;
  guint cost = s;
  gint64 id;

  if (end - e < cost)
    {
      forward = FALSE;
      from = self->tail_from - 1;
      cost = end - e;
    }
  for (guint i = 0; i < self->anchors->len; i++)
    {
      Anchor *a = &g_array_index (self->anchors, Anchor, i);

      if (a->pos <= s && s - a->pos < cost)
        {
          forward = TRUE;
          from = a->id;
          cost = s - a->pos;
        }
      if (a->pos >= e - 1 && a->pos >= s && a->pos - (e - 1) < cost)
        {
          forward = FALSE;
          from = a->id;
          cost = a->pos - (e - 1);
        }
    }

  if (forward)
    {
      if (cost > 0)
        {
          g_autoptr(GError) local_error = NULL;

          if (!id_at_offset (self, from, self->tail_from, TRUE, cost, &id, &local_error))
            {
              if (local_error != NULL)
                {
                  g_propagate_error (error, g_steal_pointer (&local_error));
                  return NULL;
                }
              return g_steal_pointer (&rows);   /* fewer rows than counted: see get_item */
            }
          from = id;
        }
      if (!fetch_range (self, from, self->tail_from, TRUE, e - s, rows, error))
        return NULL;
    }
  else
    {
      if (cost > 0)
        {
          g_autoptr(GError) local_error = NULL;

          if (!id_at_offset (self, self->min_id, from + 1, FALSE, cost, &id, &local_error))
            {
              if (local_error != NULL)
                {
                  g_propagate_error (error, g_steal_pointer (&local_error));
                  return NULL;
                }
              return g_steal_pointer (&rows);
            }
          from = id;
        }
      if (!fetch_range (self, self->min_id, from + 1, FALSE, e - s, rows, error))
        return NULL;
    }
  return g_steal_pointer (&rows);
}

static ZvMessage *
load_older_item (ZvMessageList *self,
                 guint          p)
{
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) error = NULL;
  guint end = mid_len (self);
  guint s = (p / PAGE_SIZE) * PAGE_SIZE;
  guint e = MIN (s + PAGE_SIZE, end);

  /* Pages never overlap: one position, one object. */
  for (guint i = 0; i < self->pages->len; i++)
    {
      Page *page = g_ptr_array_index (self->pages, i);
      guint page_end = page->start + page->items->len;

      if (page_end <= p && page_end > s)
        s = page_end;
      if (page->start > p && page->start < e)
        e = page->start;
    }

  rows = read_older (self, s, e, &error);
  if (rows == NULL)
    {
      g_warning ("Could not read messages of chat %" G_GINT64_FORMAT " from the local cache: %s",
                 self->chat_id, error->message);
      return zv_message_new_gap (self->chat_id);
    }
  if (rows->len != e - s)
    {
      /* Rows vanished from the older part in a commit whose ::changed is still on its way; that
       * handler re-reads this range and tells the UI. Until then, show a gap, and cache nothing. */
      if (p - s < rows->len)
        return g_object_ref (g_ptr_array_index (rows, p - s));
      return zv_message_new_gap (self->chat_id);
    }

  remember_page (self, s, rows, p);
  return g_object_ref (g_ptr_array_index (rows, p - s));
}

/* ---- GListModel --------------------------------------------------------------------------------- */

static GType
zv_message_list_get_item_type (GListModel *model)
{
  return ZV_TYPE_MESSAGE;
}

static guint
zv_message_list_get_n_items (GListModel *model)
{
  return ZV_MESSAGE_LIST (model)->n;
}

static gpointer
zv_message_list_get_item (GListModel *model,
                          guint       position)
{
  ZvMessageList *self = ZV_MESSAGE_LIST (model);
  guint end = mid_len (self);

  if (position >= self->n)
    return NULL;
  if (position >= end)
    return g_object_ref (g_ptr_array_index (self->tail, position - end));

  for (guint i = 0; i < self->pages->len; i++)
    {
      Page *page = g_ptr_array_index (self->pages, i);

      if (position >= page->start && position < page->start + page->items->len)
        {
          if (i > 0)   /* most recently used first */
            {
              g_ptr_array_steal_index (self->pages, i);
              g_ptr_array_insert (self->pages, 0, page);
            }
          return g_object_ref (g_ptr_array_index (page->items, position - page->start));
        }
    }

  return load_older_item (self, position);
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = zv_message_list_get_item_type;
  iface->get_n_items = zv_message_list_get_n_items;
  iface->get_item = zv_message_list_get_item;
}

/* ---- following the store ------------------------------------------------------------------------ */

/* Cuts the tail back to its newest TAIL_KEEP rows (never cutting outbox rows off it): the rest
 * becomes a page of the older part. Changes no position, so it emits nothing. */
static void
trim_tail (ZvMessageList *self)
{
  guint keep = TAIL_KEEP, cut;
  GPtrArray *moved;

  if (self->tail->len <= TAIL_MAX)
    return;
  while (keep < self->tail->len &&
         zv_message_get_id (g_ptr_array_index (self->tail, self->tail->len - keep)) >= ZV_OUTBOX_ID_BASE)
    keep++;
  cut = self->tail->len - keep;
  if (cut == 0)
    return;

  if (self->tail_from == G_MININT64)
    self->min_id = zv_message_get_id (g_ptr_array_index (self->tail, 0));
  moved = g_ptr_array_new_full (cut, g_object_unref);
  for (guint i = 0; i < cut; i++)
    g_ptr_array_add (moved, g_object_ref (g_ptr_array_index (self->tail, i)));
  g_ptr_array_remove_range (self->tail, 0, cut);
  self->tail_from = zv_message_get_id (g_ptr_array_index (self->tail, 0));
  remember_page (self, mid_len (self) - cut, moved, mid_len (self));
  g_ptr_array_unref (moved);
}

static gboolean
load_initial (ZvMessageList  *self,
              GError        **error)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (g_object_unref);
  guint older = 0;

  if (!fetch_range (self, G_MININT64, G_MAXINT64, FALSE, TAIL_KEEP, rows, error))
    return FALSE;
  if (rows->len < TAIL_KEEP)
    {
      self->tail_from = G_MININT64;
      self->min_id = G_MININT64;
    }
  else
    {
      self->tail_from = zv_message_get_id (g_ptr_array_index (rows, 0));
      if (!min_id (self, &self->min_id, error) ||
          !count_range (self, self->min_id, self->tail_from, &older, error))
        return FALSE;
    }
  g_ptr_array_unref (self->tail);
  self->tail = g_steal_pointer (&rows);
  self->n = self->tail->len + older;
  return TRUE;
}

typedef struct {
  guint start, removed, added;
  gboolean open;
} Run;

static void
run_flush (ZvMessageList *self,
           Run           *run)
{
  if (run->open && (run->removed > 0 || run->added > 0))
    g_list_model_items_changed (G_LIST_MODEL (self), run->start, run->removed, run->added);
  run->open = FALSE;
}

/* Called before applying an operation at @pos (current positions); emits the previous run if this
 * one does not continue it. */
static void
run_extend (ZvMessageList *self,
            Run           *run,
            guint          pos,
            guint          removed,
            guint          added)
{
  if (run->open && pos != run->start + run->added)
    run_flush (self, run);
  if (!run->open)
    {
      run->start = pos;
      run->removed = run->added = 0;
      run->open = TRUE;
    }
  run->removed += removed;
  run->added += added;
}

/* Merges a fresh read of the tail (ascending ids) into the tail, op by op, so that each emission
 * describes the list exactly as it is when it is emitted. */
static void
merge_tail (ZvMessageList *self,
            GPtrArray     *fresh)
{
  Run run = { 0, };
  guint i = 0, j = 0;

  while (i < self->tail->len || j < fresh->len)
    {
      ZvMessage *old = i < self->tail->len ? g_ptr_array_index (self->tail, i) : NULL;
      ZvMessage *new = j < fresh->len ? g_ptr_array_index (fresh, j) : NULL;
      guint base = mid_len (self);

      if (old != NULL && new != NULL && zv_message_get_id (old) == zv_message_get_id (new))
        {
          if (zv_message_update_from (old, new))
            run_extend (self, &run, base + i, 1, 1);
          else
            run_flush (self, &run);
          i++;
          j++;
        }
      else if (new == NULL || (old != NULL && zv_message_get_id (old) < zv_message_get_id (new)))
        {
          run_extend (self, &run, base + i, 1, 0);
          g_ptr_array_remove_index (self->tail, i);
          self->n--;
        }
      else
        {
          run_extend (self, &run, base + i, 0, 1);
          g_ptr_array_insert (self->tail, (gint) i, g_object_ref (new));
          self->n++;
          i++;
          j++;
        }
    }
  run_flush (self, &run);
}

static gboolean
read_chat (ZvMessageList *self)
{
  ZvDb *db = zv_store_get_reader (self->store);
  sqlite3_stmt *stmt = zv_db_prepare (db, "SELECT limited, history_complete FROM chats WHERE id = ?1", NULL);
  gboolean limited = FALSE, complete = FALSE;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, self->chat_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      limited = sqlite3_column_int (stmt, 0) != 0;
      complete = sqlite3_column_int (stmt, 1) != 0;
    }
  sqlite3_reset (stmt);

  if (self->limited != limited)
    {
      self->limited = limited;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LIMITED]);
    }
  if (self->history_complete != complete)
    {
      self->history_complete = complete;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HISTORY_COMPLETE]);
    }
  return TRUE;
}

static gboolean
follow_store (ZvMessageList  *self,
              GError        **error)
{
  g_autoptr(GPtrArray) fresh_tail = g_ptr_array_new_with_free_func (g_object_unref);
  guint old_n = self->n;

  if (self->tail_from != G_MININT64)
    {
      g_autoptr(GPtrArray) fresh_pages = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
      guint before = 0, older = 0, was = mid_len (self);
      gboolean moved = FALSE;
      gint64 first = G_MAXINT64;

      if (!count_range (self, G_MININT64, self->min_id, &before, error) ||
          !count_range (self, self->min_id, self->tail_from, &older, error) ||
          !min_id (self, &first, error))
        return FALSE;
      moved = older != was;

      /* The cached pages: the same ids as before (else rows appeared or vanished inside)? */
      for (guint i = 0; !moved && i < self->pages->len; i++)
        {
          Page *page = g_ptr_array_index (self->pages, i);
          gint64 lo = zv_message_get_id (g_ptr_array_index (page->items, 0));
          gint64 hi = zv_message_get_id (g_ptr_array_index (page->items, page->items->len - 1));
          GPtrArray *rows = g_ptr_array_new_with_free_func (g_object_unref);

          g_ptr_array_add (fresh_pages, rows);
          if (!fetch_range (self, lo, hi + 1, TRUE, 0, rows, error))
            return FALSE;
          moved = rows->len != page->items->len;
          for (guint k = 0; !moved && k < rows->len; k++)
            moved = zv_message_get_id (g_ptr_array_index (rows, k)) != zv_message_get_id (g_ptr_array_index (page->items, k));
        }

      /* Edits, reactions and deletions inside cached pages, in today's positions (before anything
       * moves, and before a handler of the signals below can load or evict a page). */
      if (!moved)
        {
          g_autoptr(GPtrArray) cached = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
          g_autoptr(GArray) starts = g_array_new (FALSE, FALSE, sizeof (guint));

          /* A handler may load or evict pages while we emit: work on a snapshot. */
          for (guint i = 0; i < self->pages->len; i++)
            {
              Page *page = g_ptr_array_index (self->pages, i);

              g_ptr_array_add (cached, g_ptr_array_ref (page->items));
              g_array_append_val (starts, page->start);
            }
          for (guint i = 0; i < cached->len; i++)
            {
              GPtrArray *items = g_ptr_array_index (cached, i);
              GPtrArray *rows = g_ptr_array_index (fresh_pages, i);
              guint page_start = g_array_index (starts, guint, i);

              for (guint k = 0; k < rows->len;)
                {
                  guint start = k;

                  while (k < rows->len && zv_message_update_from (g_ptr_array_index (items, k), g_ptr_array_index (rows, k)))
                    k++;
                  if (k > start)
                    g_list_model_items_changed (G_LIST_MODEL (self), page_start + start, k - start, k - start);
                  else
                    k++;
                }
            }
        }

      if (before > 0)   /* backfill of older history */
        {
          shift_older_part (self, before);
          self->n += before;
          self->min_id = first;
          g_list_model_items_changed (G_LIST_MODEL (self), 0, 0, before);
        }
      if (moved)
        {
          /* Rare (a gap filled inside cached history, a chat emptied): report the range as replaced. */
          forget_older_part (self);
          self->n = self->n - was + older;
          self->min_id = older + before > 0 ? first : self->tail_from;
          g_list_model_items_changed (G_LIST_MODEL (self), before, was, older);
        }
    }

  if (!fetch_range (self, self->tail_from, G_MAXINT64, TRUE, 0, fresh_tail, error))
    return FALSE;
  merge_tail (self, fresh_tail);

  trim_tail (self);
  if (old_n != self->n)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
  return TRUE;
}

static void
reload (ZvMessageList *self)
{
  g_autoptr(GError) error = NULL;
  guint old_n = self->n;

  forget_older_part (self);
  if (!load_initial (self, &error))
    {
      g_warning ("Could not read messages of chat %" G_GINT64_FORMAT " from the local cache: %s",
                 self->chat_id, error->message);
      g_ptr_array_set_size (self->tail, 0);
      self->n = 0;
      self->tail_from = G_MININT64;
    }
  if (old_n > 0 || self->n > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, old_n, self->n);
  if (old_n != self->n)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

static void
on_store_changed (ZvStore        *store,
                  ZvStoreChanges *changes,
                  ZvMessageList  *self)
{
  g_autoptr(GError) error = NULL;

  if (changes->flags & ZV_STORE_CHANGED_CHATS)
    read_chat (self);
  if ((changes->flags & ZV_STORE_CHANGED_ALL) == ZV_STORE_CHANGED_ALL)
    {
      reload (self);
      return;
    }
  if (!zv_store_changes_has_chat (changes, self->chat_id))
    return;
  if (!follow_store (self, &error))
    {
      g_warning ("Could not read messages of chat %" G_GINT64_FORMAT " from the local cache: %s",
                 self->chat_id, error->message);
      reload (self);
    }
}

/* ---- for zv-message-list-history.c ------------------------------------------------------------- */

ZvStore *
zv_message_list_get_store (ZvMessageList *self)
{
  return self->store;
}

ZvAccount *
zv_message_list_get_account (ZvMessageList *self)
{
  return self->account;
}

gint64
zv_message_list_get_self_id (ZvMessageList *self)
{
  return self->self_id;
}

void
zv_message_list_set_loading (ZvMessageList *self,
                             gboolean       loading)
{
  if (self->loading == loading)
    return;
  self->loading = loading;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

/* ---- GObject ------------------------------------------------------------------------------------ */

gint64
zv_message_list_get_chat_id (ZvMessageList *self)
{
  g_return_val_if_fail (ZV_IS_MESSAGE_LIST (self), 0);
  return self->chat_id;
}

gboolean
zv_message_list_get_limited (ZvMessageList *self)
{
  g_return_val_if_fail (ZV_IS_MESSAGE_LIST (self), FALSE);
  return self->limited;
}

gboolean
zv_message_list_get_history_complete (ZvMessageList *self)
{
  g_return_val_if_fail (ZV_IS_MESSAGE_LIST (self), FALSE);
  return self->history_complete;
}

gboolean
zv_message_list_get_loading (ZvMessageList *self)
{
  g_return_val_if_fail (ZV_IS_MESSAGE_LIST (self), FALSE);
  return self->loading;
}

/* How many message objects the list holds itself (the tail and the cached pages). */
guint
zv_message_list_get_n_cached (ZvMessageList *self)
{
  guint n;

  g_return_val_if_fail (ZV_IS_MESSAGE_LIST (self), 0);

  n = self->tail->len;
  for (guint i = 0; i < self->pages->len; i++)
    n += ((Page *) g_ptr_array_index (self->pages, i))->items->len;
  return n;
}

static void
zv_message_list_constructed (GObject *object)
{
  ZvMessageList *self = ZV_MESSAGE_LIST (object);
  g_autoptr(GError) error = NULL;

  G_OBJECT_CLASS (zv_message_list_parent_class)->constructed (object);

  g_return_if_fail (ZV_IS_STORE (self->store));
  self->changed_id = g_signal_connect (self->store, "changed", G_CALLBACK (on_store_changed), self);
  read_chat (self);
  if (!load_initial (self, &error))
    {
      g_warning ("Could not read messages of chat %" G_GINT64_FORMAT " from the local cache: %s",
                 self->chat_id, error->message);
      g_ptr_array_set_size (self->tail, 0);
      self->n = 0;
      self->tail_from = G_MININT64;
    }
}

static void
zv_message_list_dispose (GObject *object)
{
  ZvMessageList *self = ZV_MESSAGE_LIST (object);

  if (self->store != NULL)
    g_clear_signal_handler (&self->changed_id, self->store);
  g_clear_object (&self->store);
  g_clear_object (&self->account);

  G_OBJECT_CLASS (zv_message_list_parent_class)->dispose (object);
}

static void
zv_message_list_finalize (GObject *object)
{
  ZvMessageList *self = ZV_MESSAGE_LIST (object);

  g_ptr_array_unref (self->tail);
  g_ptr_array_unref (self->pages);
  g_array_unref (self->anchors);

  G_OBJECT_CLASS (zv_message_list_parent_class)->finalize (object);
}

static void
zv_message_list_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  ZvMessageList *self = ZV_MESSAGE_LIST (object);

  switch (prop_id)
    {
    case PROP_STORE:            g_value_set_object (value, self->store); break;
    case PROP_ACCOUNT:          g_value_set_object (value, self->account); break;
    case PROP_CHAT_ID:          g_value_set_int64 (value, self->chat_id); break;
    case PROP_SELF_ID:          g_value_set_int64 (value, self->self_id); break;
    case PROP_LIMITED:          g_value_set_boolean (value, self->limited); break;
    case PROP_HISTORY_COMPLETE: g_value_set_boolean (value, self->history_complete); break;
    case PROP_LOADING:          g_value_set_boolean (value, self->loading); break;
    case PROP_N_ITEMS:          g_value_set_uint (value, self->n); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zv_message_list_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  ZvMessageList *self = ZV_MESSAGE_LIST (object);

  switch (prop_id)
    {
    case PROP_STORE:   self->store = g_value_dup_object (value); break;
    case PROP_ACCOUNT: self->account = g_value_dup_object (value); break;
    case PROP_CHAT_ID: self->chat_id = g_value_get_int64 (value); break;
    case PROP_SELF_ID: self->self_id = g_value_get_int64 (value); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zv_message_list_class_init (ZvMessageListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags construct = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->constructed = zv_message_list_constructed;
  object_class->dispose = zv_message_list_dispose;
  object_class->finalize = zv_message_list_finalize;
  object_class->get_property = zv_message_list_get_property;
  object_class->set_property = zv_message_list_set_property;

  properties[PROP_STORE] = g_param_spec_object ("store", NULL, NULL, ZV_TYPE_STORE, construct);
  /* For backfill from the server; NULL: the cache only. */
  properties[PROP_ACCOUNT] = g_param_spec_object ("account", NULL, NULL, ZV_TYPE_ACCOUNT, construct);
  properties[PROP_CHAT_ID] = g_param_spec_int64 ("chat-id", NULL, NULL, 0, G_MAXINT64, 0, construct);
  properties[PROP_SELF_ID] = g_param_spec_int64 ("self-id", NULL, NULL, 0, G_MAXINT64, 0, construct);
  /* The server sent only the newest part of this chat's history. */
  properties[PROP_LIMITED] = g_param_spec_boolean ("limited", NULL, NULL, FALSE, ro);
  /* The cache holds the chat's history back to its first message. */
  properties[PROP_HISTORY_COMPLETE] = g_param_spec_boolean ("history-complete", NULL, NULL, FALSE, ro);
  /* A backfill is on its way. */
  properties[PROP_LOADING] = g_param_spec_boolean ("loading", NULL, NULL, FALSE, ro);
  properties[PROP_N_ITEMS] = g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0, ro);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
zv_message_list_init (ZvMessageList *self)
{
  self->tail = g_ptr_array_new_with_free_func (g_object_unref);
  self->pages = g_ptr_array_new_with_free_func ((GDestroyNotify) page_free);
  self->anchors = g_array_new (FALSE, FALSE, sizeof (Anchor));
  self->tail_from = G_MININT64;
  self->min_id = G_MININT64;
}

/**
 * zv_message_list_new:
 * @account: (nullable): for zv_message_list_load_older_async()
 * @self_id: the signed-in user (marks outgoing messages)
 */
ZvMessageList *
zv_message_list_new (ZvStore   *store,
                     ZvAccount *account,
                     gint64     chat_id,
                     gint64     self_id)
{
  g_return_val_if_fail (ZV_IS_STORE (store), NULL);
  g_return_val_if_fail (account == NULL || ZV_IS_ACCOUNT (account), NULL);

  return g_object_new (ZV_TYPE_MESSAGE_LIST, "store", store, "account", account,
                       "chat-id", chat_id, "self-id", self_id, NULL);
}
