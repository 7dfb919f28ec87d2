/* test-list-window.c: ZvListWindow (src/app/zv-list-window.c), the range of a list model that the
 * conversation and the chat list hand their GtkListView. Named cases for what the UI relies on
 * (new messages at the end, older history at the start, growing without rebuilding rows), then
 * thousands of random edits of a GListStore checked against the window's own announcements and
 * against what its rules say it must show. */
#define G_LOG_DOMAIN "zveno-test"

#include <gio/gio.h>

#include "app/zv-list-window.h"

/* What a list view knows: the window's contents as rebuilt from its items-changed alone. */
typedef struct
{
  GPtrArray *mirror;          /* GObject, borrowed from the store */
  guint      emissions;
  guint      last_position, last_removed, last_added;
} Mirror;

static void
mirror_changed_cb (GListModel *model,
                   guint       position,
                   guint       removed,
                   guint       added,
                   Mirror     *m)
{
  g_assert_cmpuint (position + removed, <=, m->mirror->len);
  g_ptr_array_remove_range (m->mirror, position, removed);
  for (guint i = 0; i < added; i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (model, position + i);

      g_assert_nonnull (item);
      g_ptr_array_insert (m->mirror, (int) (position + i), item);
    }
  g_assert_cmpuint (m->mirror->len, ==, g_list_model_get_n_items (model));
  m->emissions++;
  m->last_position = position;
  m->last_removed = removed;
  m->last_added = added;
}

static void
mirror_init (Mirror       *m,
             ZvListWindow *window)
{
  m->mirror = g_ptr_array_new ();
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (window)); i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (G_LIST_MODEL (window), i);

      g_ptr_array_add (m->mirror, item);
    }
  g_signal_connect (window, "items-changed", G_CALLBACK (mirror_changed_cb), m);
}

static GListStore *
store_new (guint n)
{
  GListStore *store = g_list_store_new (G_TYPE_OBJECT);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GObject) item = g_object_new (G_TYPE_OBJECT, NULL);

      g_list_store_append (store, item);
    }
  return store;
}

static GObject *
store_peek (GListStore *store,
            guint       position)
{
  g_autoptr(GObject) item = g_list_model_get_item (G_LIST_MODEL (store), position);

  return item;   /* the store keeps its reference */
}

/* The window shows exactly the store's [start, end), and the mirror agrees. */
static void
check_window (ZvListWindow *window,
              GListStore   *store,
              Mirror       *m)
{
  guint s = zv_list_window_get_start (window), e = zv_list_window_get_end (window);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (store));

  g_assert_cmpuint (s, <=, e);
  g_assert_cmpuint (e, <=, n);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (window)), ==, e - s);
  g_assert_cmpuint (m->mirror->len, ==, e - s);
  for (guint i = 0; i < e - s; i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (G_LIST_MODEL (window), i);

      g_assert_true (item == store_peek (store, s + i));
      g_assert_true (item == g_ptr_array_index (m->mirror, i));
    }
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (window), e - s));
}

static void
splice_new (GListStore *store,
            guint       position,
            guint       removed,
            guint       added)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < added; i++)
    g_ptr_array_add (items, g_object_new (G_TYPE_OBJECT, NULL));
  g_list_store_splice (store, position, removed, items->pdata, added);
}

static void
test_basics (void)
{
  g_autoptr(GListStore) store = store_new (100);
  g_autoptr(ZvListWindow) window = zv_list_window_new (G_LIST_MODEL (store), 60, 100);
  Mirror m = { 0 };

  mirror_init (&m, window);
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (window)) == G_TYPE_OBJECT);
  g_assert_true (zv_list_window_get_model (window) == G_LIST_MODEL (store));
  g_assert_true (zv_list_window_at_end (window));
  g_assert_false (zv_list_window_at_start (window));
  check_window (window, store, &m);

  /* A new message at the end of a window showing the end: shown. */
  splice_new (store, 100, 0, 1);
  g_assert_cmpuint (zv_list_window_get_end (window), ==, 101);
  g_assert_cmpuint (m.last_position, ==, 40);
  g_assert_cmpuint (m.last_added, ==, 1);
  check_window (window, store, &m);

  /* Rows before the window move it, announcing nothing. */
  m.emissions = 0;
  splice_new (store, 10, 0, 5);
  g_list_store_remove (store, 0);
  g_assert_cmpuint (zv_list_window_get_start (window), ==, 64);
  g_assert_cmpuint (zv_list_window_get_end (window), ==, 105);
  g_assert_cmpuint (m.emissions, ==, 0);
  check_window (window, store, &m);

  /* Growing at the start is one insertion at 0; no row already shown is announced. */
  g_assert_cmpuint (zv_list_window_grow_start (window, 30), ==, 30);
  g_assert_cmpuint (m.emissions, ==, 1);
  g_assert_cmpuint (m.last_position, ==, 0);
  g_assert_cmpuint (m.last_removed, ==, 0);
  g_assert_cmpuint (m.last_added, ==, 30);
  check_window (window, store, &m);
  g_assert_cmpuint (zv_list_window_grow_start (window, 100), ==, 34);
  g_assert_true (zv_list_window_at_start (window));
  g_assert_cmpuint (zv_list_window_grow_start (window, 10), ==, 0);

  /* Older history inserted at 0 goes into a window that starts there. */
  splice_new (store, 0, 0, 50);
  g_assert_cmpuint (zv_list_window_get_start (window), ==, 0);
  g_assert_cmpuint (zv_list_window_get_end (window), ==, 155);
  check_window (window, store, &m);

  /* A window away from the end ignores new rows after it, and grows at the end on request. */
  zv_list_window_set_range (window, 20, 40);
  check_window (window, store, &m);
  m.emissions = 0;
  splice_new (store, 155, 0, 3);
  splice_new (store, 40, 0, 3);
  g_assert_cmpuint (m.emissions, ==, 0);
  g_assert_cmpuint (zv_list_window_get_end (window), ==, 40);
  g_assert_cmpuint (zv_list_window_grow_end (window, 10), ==, 10);
  g_assert_cmpuint (m.last_position, ==, 20);
  g_assert_cmpuint (m.last_added, ==, 10);
  check_window (window, store, &m);

  /* An edit inside is announced in the window's terms. */
  splice_new (store, 25, 1, 1);
  g_assert_cmpuint (m.last_position, ==, 5);
  g_assert_cmpuint (m.last_removed, ==, 1);
  g_assert_cmpuint (m.last_added, ==, 1);
  check_window (window, store, &m);

  /* The newest rows again ("new messages" button), then a message far away (a search result). */
  zv_list_window_show_last (window, 50);
  g_assert_true (zv_list_window_at_end (window));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (window)), ==, 50);
  check_window (window, store, &m);
  m.emissions = 0;
  zv_list_window_show_around (window, 30, 30, 30);
  g_assert_cmpuint (m.emissions, ==, 1);
  g_assert_cmpuint (zv_list_window_get_start (window), ==, 0);
  g_assert_cmpuint (zv_list_window_get_end (window), ==, 61);
  check_window (window, store, &m);
  /* Near a window that holds it: grown, not rebuilt. */
  m.emissions = 0;
  zv_list_window_show_around (window, 50, 30, 30);
  g_assert_cmpuint (m.emissions, ==, 1);
  g_assert_cmpuint (m.last_position, ==, 61);
  g_assert_cmpuint (m.last_removed, ==, 0);
  g_assert_cmpuint (zv_list_window_get_end (window), ==, 81);
  check_window (window, store, &m);

  /* All rows replaced by as many: the window stays where it was. */
  zv_list_window_set_range (window, 40, 70);
  splice_new (store, 0, g_list_model_get_n_items (G_LIST_MODEL (store)), g_list_model_get_n_items (G_LIST_MODEL (store)));
  g_assert_cmpuint (zv_list_window_get_start (window), ==, 40);
  g_assert_cmpuint (zv_list_window_get_end (window), ==, 70);
  check_window (window, store, &m);

  /* Everything removed, then rows come back: a window at the end of an empty model takes them. */
  g_list_store_remove_all (store);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (window)), ==, 0);
  splice_new (store, 0, 0, 7);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (window)), ==, 7);
  check_window (window, store, &m);

  g_ptr_array_unref (m.mirror);
}

/* A window made past the model's end is clamped; one over an empty model follows what arrives. */
static void
test_clamp (void)
{
  g_autoptr(GListStore) store = store_new (10);
  g_autoptr(ZvListWindow) window = zv_list_window_new (G_LIST_MODEL (store), 20, 30);
  g_autoptr(GListStore) empty = store_new (0);
  g_autoptr(ZvListWindow) window2 = zv_list_window_new (G_LIST_MODEL (empty), 0, 40);
  Mirror m = { 0 }, m2 = { 0 };

  mirror_init (&m, window);
  mirror_init (&m2, window2);
  g_assert_cmpuint (zv_list_window_get_start (window), ==, 10);
  g_assert_cmpuint (zv_list_window_get_end (window), ==, 10);
  zv_list_window_set_range (window, 5, 1000);
  g_assert_cmpuint (zv_list_window_get_end (window), ==, 10);
  check_window (window, store, &m);
  zv_list_window_show_around (window, 1000, 5, 5);
  check_window (window, store, &m);

  splice_new (empty, 0, 0, 3);
  check_window (window2, empty, &m2);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (window2)), ==, 3);

  g_ptr_array_unref (m.mirror);
  g_ptr_array_unref (m2.mirror);
}

/* A chat list's window does not take rows appended after it, even at the model's end: a model
 * filled in one piece, or a filter undone, would otherwise be shown whole. */
static void
test_no_follow (void)
{
  g_autoptr(GListStore) store = store_new (0);
  g_autoptr(ZvListWindow) window = zv_list_window_new (G_LIST_MODEL (store), 0, 40);
  Mirror m = { 0 };

  mirror_init (&m, window);
  zv_list_window_set_follow_end (window, FALSE);
  splice_new (store, 0, 0, 2000);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (window)), ==, 0);
  g_assert_cmpuint (zv_list_window_grow_end (window, 40), ==, 40);
  check_window (window, store, &m);
  /* A new chat at the top still comes in. */
  splice_new (store, 0, 0, 1);
  g_assert_cmpuint (zv_list_window_get_end (window), ==, 41);
  splice_new (store, 2001, 0, 1);
  g_assert_cmpuint (zv_list_window_get_end (window), ==, 41);
  check_window (window, store, &m);
  /* A filter typed (2,002 rows become 5) and undone (5 become 2,002): the window is not widened. */
  splice_new (store, 0, 2002, 5);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (window)), ==, 5);
  splice_new (store, 0, 5, 2002);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (window)), ==, 5);
  check_window (window, store, &m);
  g_ptr_array_unref (m.mirror);
}

/* The rules, checked by identity: a row that survives an edit is in the window afterwards if and
 * only if it was before; a window at the start or end stays there; a new row is shown only if the
 * edit touched the window; a replacement of equal length leaves the window's range alone. */
static void
check_edit (ZvListWindow *window,
            GListStore   *store,
            GHashTable   *old_items,      /* GObject -> position in the store, before */
            GHashTable   *old_shown,      /* GObject set: in the window, before */
            gboolean      follow_end,
            guint         s,
            guint         e,
            guint         n_old,
            guint         position,
            guint         removed,
            guint         added)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (store));
  guint s2 = zv_list_window_get_start (window), e2 = zv_list_window_get_end (window);
  gboolean at_end = follow_end && e == n_old;
  gboolean touched = (position + removed > s || s == 0) && (position < e || at_end);

  if (s == 0)
    g_assert_cmpuint (s2, ==, 0);
  if (at_end)
    g_assert_cmpuint (e2, ==, n);
  if (removed == added)
    {
      g_assert_cmpuint (s2, ==, s);
      g_assert_cmpuint (e2, ==, e);
    }
  for (guint i = 0; i < n; i++)
    {
      GObject *item = store_peek (store, i);
      gboolean shown = i >= s2 && i < e2;

      if (g_hash_table_contains (old_items, item))
        g_assert_cmpint (shown, ==, g_hash_table_contains (old_shown, item));
      else
        {
          g_assert_true (i >= position && i < position + added);
          if (shown)
            g_assert_true (touched);
        }
    }
}

static void
test_random (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (0x5a17);
  guint rounds = g_test_slow () ? 200 : 40;

  for (guint round = 0; round < rounds; round++)
    {
      g_autoptr(GListStore) store = store_new (g_rand_int_range (rand, 0, 60));
      guint n0 = g_list_model_get_n_items (G_LIST_MODEL (store));
      guint a = n0 > 0 ? (guint) g_rand_int_range (rand, 0, (gint32) n0 + 1) : 0;
      guint b = n0 > 0 ? (guint) g_rand_int_range (rand, 0, (gint32) n0 + 1) : 0;
      g_autoptr(ZvListWindow) window = zv_list_window_new (G_LIST_MODEL (store), MIN (a, b), MAX (a, b));
      Mirror m = { 0 };
      gboolean follow_end = round % 3 != 2;

      mirror_init (&m, window);
      zv_list_window_set_follow_end (window, follow_end);
      check_window (window, store, &m);
      for (guint step = 0; step < 200; step++)
        {
          guint n = g_list_model_get_n_items (G_LIST_MODEL (store));
          guint s = zv_list_window_get_start (window), e = zv_list_window_get_end (window);
          guint op = (guint) g_rand_int_range (rand, 0, 10);

          if (op < 6)
            {
              /* An edit of the store: anywhere, often at the window's edges and the model's ends. */
              g_autoptr(GHashTable) old_items = g_hash_table_new (NULL, NULL);
              g_autoptr(GHashTable) old_shown = g_hash_table_new (NULL, NULL);
              guint edges[] = { 0, s, e, n, s > 0 ? s - 1 : 0, MIN (e + 1, n) };
              guint position, removed, added;

              if (g_rand_boolean (rand))
                position = edges[g_rand_int_range (rand, 0, G_N_ELEMENTS (edges))];
              else
                position = (guint) g_rand_int_range (rand, 0, (gint32) n + 1);
              removed = (guint) g_rand_int_range (rand, 0, (gint32) (n - position) + 1);
              if (removed > 12 && g_rand_int_range (rand, 0, 4) != 0)
                removed = (guint) g_rand_int_range (rand, 0, 13);
              added = g_rand_int_range (rand, 0, 5) == 0 ? removed : (guint) g_rand_int_range (rand, 0, 13);
              if (n > 150)
                added = MIN (added, removed);
              for (guint i = 0; i < n; i++)
                {
                  GObject *item = store_peek (store, i);

                  if (i < position || i >= position + removed)
                    g_hash_table_insert (old_items, item, GUINT_TO_POINTER (i));
                  if (i >= s && i < e)
                    g_hash_table_add (old_shown, item);
                }
              splice_new (store, position, removed, added);
              check_window (window, store, &m);
              check_edit (window, store, old_items, old_shown, follow_end, s, e, n, position, removed, added);
            }
          else
            {
              /* What the UI does to the window. */
              guint k = (guint) g_rand_int_range (rand, 0, 40);
              guint p = n > 0 ? (guint) g_rand_int_range (rand, 0, (gint32) n) : 0;
              guint x = (guint) g_rand_int_range (rand, 0, (gint32) n + 10);
              guint y = (guint) g_rand_int_range (rand, 0, (gint32) n + 10);

              switch (op)
                {
                case 6:
                  g_assert_cmpuint (zv_list_window_grow_start (window, k), ==, MIN (k, s));
                  g_assert_cmpuint (zv_list_window_get_start (window), ==, s - MIN (k, s));
                  g_assert_cmpuint (zv_list_window_get_end (window), ==, e);
                  break;
                case 7:
                  g_assert_cmpuint (zv_list_window_grow_end (window, k), ==, MIN (k, n - e));
                  g_assert_cmpuint (zv_list_window_get_end (window), ==, e + MIN (k, n - e));
                  g_assert_cmpuint (zv_list_window_get_start (window), ==, s);
                  break;
                case 8:
                  if (g_rand_boolean (rand))
                    {
                      zv_list_window_show_last (window, k);
                      g_assert_cmpuint (zv_list_window_get_end (window), ==, n);
                      g_assert_cmpuint (zv_list_window_get_start (window), ==, n > k ? n - k : 0);
                    }
                  else
                    {
                      zv_list_window_set_range (window, MIN (x, y), MAX (x, y));
                      g_assert_cmpuint (zv_list_window_get_end (window), ==, MIN (MAX (x, y), n));
                      g_assert_cmpuint (zv_list_window_get_start (window), ==, MIN (MIN (x, y), MIN (MAX (x, y), n)));
                    }
                  break;
                default:
                  zv_list_window_show_around (window, p, k, k / 2);
                  if (n > 0)
                    {
                      g_assert_cmpuint (zv_list_window_get_start (window), <=, p > k ? p - k : 0);
                      g_assert_cmpuint (zv_list_window_get_end (window), >=, MIN (p + k / 2 + 1, n));
                    }
                  break;
                }
              check_window (window, store, &m);
            }
        }
      g_ptr_array_unref (m.mirror);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/list-window/basics", test_basics);
  g_test_add_func ("/list-window/clamp", test_clamp);
  g_test_add_func ("/list-window/no-follow", test_no_follow);
  g_test_add_func ("/list-window/random", test_random);

  return g_test_run ();
}
