/* zv-list-diff.c: precise items-changed for list models that re-read a short list (chats, the
 * directory, a page of search results) and must tell the UI exactly what moved.
 *
 * The items that keep their relative order are the longest increasing subsequence of their old
 * positions taken in the new order; everything else is removed and inserted again. A chat that
 * jumps to the top is therefore one removal at its old position and one insertion at 0, not a
 * rebuild of the list. Each emission happens after @items was changed to match it, so a handler
 * that calls get_item() sees the list in exactly the state the signal describes.
 */
#define G_LOG_DOMAIN "zveno-core"

#include "config.h"

#include "zv-list-diff.h"

static void
unref_nullable (gpointer object)
{
  if (object != NULL)
    g_object_unref (object);
}

/* Marks in @keep the indexes of @seq (a sequence of distinct values, -1 = absent) that form one
 * longest strictly increasing subsequence of the values >= 0. O(n log n). */
static void
longest_increasing (const gint *seq,
                    guint       n,
                    gboolean   *keep)
{
  g_autofree guint *tails = g_new (guint, n + 1);   /* index in seq of the tail of each length */
  g_autofree gint *prev = g_new (gint, n + 1);
  guint len = 0;

  for (guint i = 0; i < n; i++)
    {
      guint lo = 0, hi = len;

      keep[i] = FALSE;
      if (seq[i] < 0)
        continue;
      while (lo < hi)
        {
          guint mid = (lo + hi) / 2;

          if (seq[tails[mid]] < seq[i])
            lo = mid + 1;
          else
            hi = mid;
        }
      prev[i] = lo > 0 ? (gint) tails[lo - 1] : -1;
      tails[lo] = i;
      if (lo == len)
        len++;
    }

  if (len > 0)
    for (gint i = (gint) tails[len - 1]; i >= 0; i = prev[i])
      keep[i] = TRUE;
}

/**
 * zv_list_diff_apply:
 * @model: the model to emit items-changed on
 * @items: (element-type GObject): the model's own items (owning), changed in place to match @fresh
 * @fresh: (element-type GObject): the new contents in order (owning); not changed
 *
 * Items of @items whose key appears in @fresh stay the same objects (brought up to date through
 * @update), so bindings in the UI keep working; new keys take the object from @fresh.
 */
void
zv_list_diff_apply (GListModel           *model,
                    GPtrArray            *items,
                    GPtrArray            *fresh,
                    ZvListDiffKeyFunc     key,
                    ZvListDiffUpdateFunc  update,
                    gpointer              user_data)
{
  guint n_old = items->len, n_new = fresh->len;
  g_autoptr(GHashTable) old_index = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autofree gint64 *old_keys = g_new (gint64, MAX (n_old, 1));
  g_autofree gint *match = g_new (gint, MAX (n_new, 1));
  g_autofree gboolean *keep_new = g_new0 (gboolean, MAX (n_new, 1));
  g_autofree gboolean *keep_old = g_new0 (gboolean, MAX (n_old, 1));
  g_autoptr(GPtrArray) moved = g_ptr_array_new_full (n_new, unref_nullable);   /* by new index */

  for (guint i = 0; i < n_old; i++)
    {
      old_keys[i] = key (g_ptr_array_index (items, i));
      g_hash_table_insert (old_index, &old_keys[i], GUINT_TO_POINTER (i + 1));
    }
  for (guint j = 0; j < n_new; j++)
    {
      gint64 k = key (g_ptr_array_index (fresh, j));
      guint i = GPOINTER_TO_UINT (g_hash_table_lookup (old_index, &k));

      match[j] = (gint) i - 1;
    }

  longest_increasing (match, n_new, keep_new);
  g_ptr_array_set_size (moved, n_new);
  for (guint j = 0; j < n_new; j++)
    {
      if (keep_new[j])
        keep_old[match[j]] = TRUE;
      else if (match[j] >= 0)   /* moved: keep the object to insert it again */
        g_ptr_array_index (moved, j) = g_object_ref (g_ptr_array_index (items, match[j]));
    }

  /* 1. Removals, from the end so earlier positions stay valid, one signal per contiguous run. */
  for (guint i = n_old; i > 0;)
    {
      guint end = i, start;

      if (keep_old[i - 1])
        {
          i--;
          continue;
        }
      while (i > 0 && !keep_old[i - 1])
        i--;
      start = i;
      g_ptr_array_remove_range (items, start, end - start);
      g_list_model_items_changed (model, start, end - start, 0);
    }

  /* 2. Insertions in ascending new position: everything before position j is already final. */
  for (guint j = 0; j < n_new;)
    {
      guint start = j;

      if (keep_new[j])
        {
          j++;
          continue;
        }
      for (; j < n_new && !keep_new[j]; j++)
        {
          gpointer item = g_ptr_array_index (moved, j);

          if (item != NULL)
            {
              update (item, g_ptr_array_index (fresh, j), user_data);
              g_ptr_array_insert (items, (gint) j, g_object_ref (item));
            }
          else
            {
              g_ptr_array_insert (items, (gint) j, g_object_ref (g_ptr_array_index (fresh, j)));
            }
        }
      g_list_model_items_changed (model, start, 0, j - start);
    }

  /* 3. Items that stayed in place but show something new: (pos, 1, 1) runs. */
  g_assert (items->len == n_new);
  for (guint j = 0; j < n_new;)
    {
      guint start = j;

      while (j < n_new && keep_new[j] && update (g_ptr_array_index (items, j), g_ptr_array_index (fresh, j), user_data))
        j++;
      if (j > start)
        g_list_model_items_changed (model, start, j - start, j - start);
      else
        j++;
    }
}
