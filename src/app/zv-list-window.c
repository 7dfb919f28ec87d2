/* zv-list-window.c: ZvListWindow, the range [start, end) of another GListModel as a list model.
 *
 * Why: GTK 4.8's GtkListView makes, binds and measures ~200 list items around what it shows, with
 * no API to keep fewer, so a list view over a long model lays out ~200 rows in its first frame
 * (a conversation: ~1 s here). Handed a window of a few dozen rows it lays out those; the owner
 * grows the window at its start or end as the user scrolls there, or moves it to a row far away.
 *
 * The window follows its model's changes: rows inserted or removed before it move it, rows
 * inserted or removed inside it are shown or go, rows after it are not its business. A window at
 * the model's end takes rows appended there (new messages) and one at position 0 takes rows
 * inserted there (older history, a new chat at the top); the former can be turned off (a chat list
 * whose model arrives in one piece must not be shown whole). Where a change replaces rows across one
 * of its edges (or up to its end), the new rows are matched to the old ones by index, so a
 * replacement of equal length keeps the window where it was, and a longer one does not widen it. Items are not copied: get_item reads the model.
 */
#define G_LOG_DOMAIN "zveno"

#include "config.h"

#include "zv-list-window.h"

struct _ZvListWindow
{
  GObject     parent_instance;

  /* owned */
  GListModel *model;
  gulong      changed_handler;

  guint       start;
  guint       end;
  gboolean    follow_end;   /* a window at the model's end takes rows appended there */
};

static void zv_list_window_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ZvListWindow, zv_list_window, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, zv_list_window_model_init))

enum {
  PROP_0,
  PROP_MODEL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static GType
zv_list_window_get_item_type (GListModel *model)
{
  return g_list_model_get_item_type (ZV_LIST_WINDOW (model)->model);
}

static guint
zv_list_window_get_n_items (GListModel *model)
{
  ZvListWindow *self = ZV_LIST_WINDOW (model);

  return self->end - self->start;
}

static gpointer
zv_list_window_get_item (GListModel *model,
                         guint       position)
{
  ZvListWindow *self = ZV_LIST_WINDOW (model);

  if (position >= self->end - self->start)
    return NULL;
  return g_list_model_get_item (self->model, self->start + position);
}

static void
zv_list_window_model_init (GListModelInterface *iface)
{
  iface->get_item_type = zv_list_window_get_item_type;
  iface->get_n_items = zv_list_window_get_n_items;
  iface->get_item = zv_list_window_get_item;
}

static void
model_items_changed_cb (GListModel   *model,
                        guint         position,
                        guint         removed,
                        guint         added,
                        ZvListWindow *self)
{
  guint s = self->start, e = self->end;
  guint n_new = g_list_model_get_n_items (model);
  guint n_old = n_new + removed - added;
  gboolean at_start = s == 0;
  gboolean at_end = self->follow_end && e == n_old;
  guint s2, e2, prefix, suffix, change_end = position + removed;

  /* The window's new start. */
  if (at_start)
    s2 = 0;
  else if (change_end <= s)
    s2 = s - removed + added;
  else if (position < s)
    /* The start was among the replaced rows: the new rows are matched to them by index. */
    s2 = position + MIN (s - position, added);
  else
    s2 = s;

  /* Its new end. */
  if (at_end)
    e2 = n_new;
  else if (position >= e)
    e2 = e;
  else if (change_end < e)
    e2 = e - removed + added;
  else
    /* The end was among the replaced rows, or just after them: rows added beyond the old ones
     * are after the window, as rows inserted at its end are. */
    e2 = position + MIN (e - position, added);
  if (e2 < s2)
    e2 = s2;

  /* Rows of the window before and after the change kept their place in it: what is between is
   * what changed, in the window's terms. */
  prefix = position > s ? MIN (position, e) - s : 0;
  suffix = e > MAX (change_end, s) ? e - MAX (change_end, s) : 0;
  if (prefix + suffix > e - s)
    suffix = e - s - prefix;

  self->start = s2;
  self->end = e2;
  g_assert (self->end <= n_new);
  g_assert (e2 - s2 >= prefix + suffix);
  if ((e - s) - prefix - suffix > 0 || (e2 - s2) - prefix - suffix > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), prefix, (e - s) - prefix - suffix,
                                (e2 - s2) - prefix - suffix);
}

/**
 * zv_list_window_new:
 * @model: the list to show a range of
 * @start: the first position shown
 * @end: one past the last position shown (clamped to the model's length)
 *
 * Returns: (transfer full): a window of @model
 */
ZvListWindow *
zv_list_window_new (GListModel *model,
                    guint       start,
                    guint       end)
{
  ZvListWindow *self;
  guint n;

  g_return_val_if_fail (G_IS_LIST_MODEL (model), NULL);

  self = g_object_new (ZV_TYPE_LIST_WINDOW, "model", model, NULL);
  n = g_list_model_get_n_items (model);
  self->end = MIN (end, n);
  self->start = MIN (start, self->end);
  return self;
}

/**
 * zv_list_window_get_model:
 *
 * Returns: (transfer none): the model the window shows a range of
 */
GListModel *
zv_list_window_get_model (ZvListWindow *self)
{
  g_return_val_if_fail (ZV_IS_LIST_WINDOW (self), NULL);
  return self->model;
}

/* The model's position of the window's first row. */
guint
zv_list_window_get_start (ZvListWindow *self)
{
  g_return_val_if_fail (ZV_IS_LIST_WINDOW (self), 0);
  return self->start;
}

/* One past the model's position of the window's last row. */
guint
zv_list_window_get_end (ZvListWindow *self)
{
  g_return_val_if_fail (ZV_IS_LIST_WINDOW (self), 0);
  return self->end;
}

gboolean
zv_list_window_at_start (ZvListWindow *self)
{
  g_return_val_if_fail (ZV_IS_LIST_WINDOW (self), TRUE);
  return self->start == 0;
}

gboolean
zv_list_window_at_end (ZvListWindow *self)
{
  g_return_val_if_fail (ZV_IS_LIST_WINDOW (self), TRUE);
  return self->end == g_list_model_get_n_items (self->model);
}

/**
 * zv_list_window_set_follow_end:
 * @follow: whether a window ending at the model's end takes rows appended there (the default)
 *
 * Without it, rows appended after the window are not shown, even when it shows the model's end.
 */
void
zv_list_window_set_follow_end (ZvListWindow *self,
                               gboolean      follow)
{
  g_return_if_fail (ZV_IS_LIST_WINDOW (self));
  self->follow_end = follow;
}

/**
 * zv_list_window_set_range:
 * @start: the model's first position to show
 * @end: one past the last (clamped to the model's length)
 *
 * Moves the window. Where the old and new ranges overlap, the rows they share are not announced
 * as changed (a list view keeps their widgets): the start moves first, then the end.
 */
void
zv_list_window_set_range (ZvListWindow *self,
                          guint         start,
                          guint         end)
{
  guint n, s, e;

  g_return_if_fail (ZV_IS_LIST_WINDOW (self));

  n = g_list_model_get_n_items (self->model);
  end = MIN (end, n);
  start = MIN (start, end);
  s = self->start;
  e = self->end;
  if (start == s && end == e)
    return;

  if (MAX (s, start) >= MIN (e, end))
    {
      self->start = start;
      self->end = end;
      g_list_model_items_changed (G_LIST_MODEL (self), 0, e - s, end - start);
      return;
    }

  self->start = start;
  if (start < s)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, 0, s - start);
  else if (start > s)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, start - s, 0);

  self->end = end;
  if (end > e)
    g_list_model_items_changed (G_LIST_MODEL (self), e - start, 0, end - e);
  else if (end < e)
    g_list_model_items_changed (G_LIST_MODEL (self), end - start, e - end, 0);
}

/**
 * zv_list_window_grow_start:
 * @n: how many rows to add before the first
 *
 * Returns: how many were added (fewer at the model's start)
 */
guint
zv_list_window_grow_start (ZvListWindow *self,
                           guint         n)
{
  guint grown;

  g_return_val_if_fail (ZV_IS_LIST_WINDOW (self), 0);

  grown = MIN (n, self->start);
  if (grown > 0)
    zv_list_window_set_range (self, self->start - grown, self->end);
  return grown;
}

/**
 * zv_list_window_grow_end:
 * @n: how many rows to add after the last
 *
 * Returns: how many were added (fewer at the model's end)
 */
guint
zv_list_window_grow_end (ZvListWindow *self,
                         guint         n)
{
  guint old_end;

  g_return_val_if_fail (ZV_IS_LIST_WINDOW (self), 0);

  old_end = self->end;
  zv_list_window_set_range (self, self->start, self->end + MIN (n, G_MAXUINT - self->end));
  return self->end - old_end;
}

/**
 * zv_list_window_show_last:
 * @n: how many rows
 *
 * Shows the model's last @n rows (all of them in a shorter model).
 */
void
zv_list_window_show_last (ZvListWindow *self,
                          guint         n)
{
  guint len;

  g_return_if_fail (ZV_IS_LIST_WINDOW (self));

  len = g_list_model_get_n_items (self->model);
  zv_list_window_set_range (self, len > n ? len - n : 0, len);
}

/**
 * zv_list_window_show_around:
 * @position: a position in the model
 * @before: rows to show before it
 * @after: rows to show after it
 *
 * Makes sure @position and its neighbours are in the window: a window that already holds the
 * position grows to take the neighbours (no row is rebuilt); one that does not is moved there.
 */
void
zv_list_window_show_around (ZvListWindow *self,
                            guint         position,
                            guint         before,
                            guint         after)
{
  guint n, s, e;

  g_return_if_fail (ZV_IS_LIST_WINDOW (self));

  n = g_list_model_get_n_items (self->model);
  if (position >= n)
    return;
  s = position > before ? position - before : 0;
  e = position + MIN (after, n - position - 1) + 1;
  if (position >= self->start && position < self->end)
    zv_list_window_set_range (self, MIN (s, self->start), MAX (e, self->end));
  else
    zv_list_window_set_range (self, s, e);
}

static void
zv_list_window_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  ZvListWindow *self = ZV_LIST_WINDOW (object);

  switch (prop_id)
    {
    case PROP_MODEL:
      self->model = g_value_dup_object (value);
      self->changed_handler = g_signal_connect (self->model, "items-changed",
                                                G_CALLBACK (model_items_changed_cb), self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zv_list_window_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  ZvListWindow *self = ZV_LIST_WINDOW (object);

  switch (prop_id)
    {
    case PROP_MODEL:
      g_value_set_object (value, self->model);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zv_list_window_dispose (GObject *object)
{
  ZvListWindow *self = ZV_LIST_WINDOW (object);

  if (self->model != NULL)
    g_clear_signal_handler (&self->changed_handler, self->model);
  g_clear_object (&self->model);

  G_OBJECT_CLASS (zv_list_window_parent_class)->dispose (object);
}

static void
zv_list_window_class_init (ZvListWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->set_property = zv_list_window_set_property;
  object_class->get_property = zv_list_window_get_property;
  object_class->dispose = zv_list_window_dispose;

  properties[PROP_MODEL] =
    g_param_spec_object ("model", NULL, NULL, G_TYPE_LIST_MODEL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
zv_list_window_init (ZvListWindow *self)
{
  self->follow_end = TRUE;
}
