/* fuzz-replay.c: main() for the fuzz targets when they are not built with libFuzzer (any compiler,
 * any build): runs the target once over every file given, or every file of every folder given, so
 * the seed corpora and the crashes once found run as ordinary unit tests. */
#define G_LOG_DOMAIN "zveno-fuzz"

#include "config.h"

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz-common.h"

static guint
replay_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length;

  if (!g_file_get_contents (path, &contents, &length, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      exit (2);
    }
  /* A copy of exactly @length bytes, so ASan sees any read past the end as libFuzzer would. */
  {
    g_autofree guint8 *copy = g_memdup2 (contents, length);

    LLVMFuzzerTestOneInput (copy, length);
  }
  return 1;
}

static int
compare_paths (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(char * const *) a, *(char * const *) b);
}

static guint
replay_path (const char *path)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = NULL;
  const char *name;
  guint count = 0;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    return replay_file (path);
  dir = g_dir_open (path, 0, NULL);
  if (dir == NULL)
    {
      fprintf (stderr, "cannot open %s\n", path);
      exit (2);
    }
  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (name[0] != '.')
      g_ptr_array_add (names, g_build_filename (path, name, NULL));
  /* Same order every run, so a failure names the same input twice. */
  g_ptr_array_sort (names, compare_paths);
  for (guint i = 0; i < names->len; i++)
    count += replay_file (g_ptr_array_index (names, i));
  return count;
}

int
main (int    argc,
      char **argv)
{
  guint count = 0;

  if (argc < 2)
    {
      fprintf (stderr, "usage: %s FILE|DIR...\n", argv[0]);
      return 2;
    }
  for (int i = 1; i < argc; i++)
    count += replay_path (argv[i]);
  if (count == 0)
    {
      fprintf (stderr, "no inputs found: an empty corpus tests nothing\n");
      return 1;
    }
  printf ("%s: %u inputs replayed, no crash\n", argv[0], count);
  return 0;
}
