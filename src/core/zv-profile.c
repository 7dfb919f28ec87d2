/* zv-profile.c: merging IT presets (system profiles) with the user's settings, with locked keys.
 *
 * A profile is an ini file:
 *
 *   [account]
 *   server = https://uc.example.com
 *   locked = server
 *
 * Layers apply in order: built-in defaults, system profiles (files sorted by name; a later file wins),
 * then the user's settings. A key named in `locked` of its section cannot be changed by a later
 * system file's user-facing layer nor by the user. We parse by hand rather than with GKeyFile because a
 * company profile with one bad line must still apply its other lines: every malformed line is reported
 * with file and line and skipped.
 */
#define G_LOG_DOMAIN "zveno-core"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <gio/gio.h>
#include <errno.h>
#include <string.h>

#include "zv-profile.h"

typedef enum {
  KEY_STRING,
  KEY_SERVER,
  KEY_BOOLEAN,
  KEY_ENUM,
  KEY_DIGITS,
} KeyType;

typedef struct {
  const char *name;
  KeyType     type;
  const char *default_value;
  const char *choices;        /* for KEY_ENUM: ';'-separated */
} KeyInfo;

/* The keys a profile may set. Keep docs/DEPLOYMENT.md in step. */
static const KeyInfo known_keys[] = {
  { "account.server", KEY_SERVER, "", NULL },
  { "account.login", KEY_STRING, "", NULL },
  { "account.device-name", KEY_STRING, "", NULL },
  { "security.ca-file", KEY_STRING, "", NULL },
  { "ui.color-scheme", KEY_ENUM, "default", "default;light;dark" },
  { "notifications.enabled", KEY_BOOLEAN, "true", NULL },
  { "notifications.previews", KEY_BOOLEAN, "true", NULL },
  { "chats.send-with-enter", KEY_BOOLEAN, "true", NULL },
  { "general.run-in-background", KEY_BOOLEAN, "true", NULL },
  { "telephony.country-code", KEY_DIGITS, "7", NULL },
  { "telephony.caller-id", KEY_STRING, "", NULL },
};

typedef struct {
  char           *value;
  char           *origin;
  ZvProfileLayer  layer;
  gboolean        locked;
} Entry;

struct _ZvProfile
{
  GObject     parent_instance;

  /* owned */
  GHashTable *entries;      /* key -> Entry */
  GPtrArray  *diagnostics;  /* "file:line: message" */
};

G_DEFINE_FINAL_TYPE (ZvProfile, zv_profile, G_TYPE_OBJECT)

G_DEFINE_QUARK (zv-profile-error-quark, zv_profile_error)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
entry_free (gpointer data)
{
  Entry *entry = data;

  g_free (entry->value);
  g_free (entry->origin);
  g_free (entry);
}

static const KeyInfo *
find_key (const char *key)
{
  for (gsize i = 0; i < G_N_ELEMENTS (known_keys); i++)
    if (g_str_equal (known_keys[i].name, key))
      return &known_keys[i];
  return NULL;
}

static gboolean
parse_boolean (const char *value,
               gboolean   *out)
{
  static const char *yes[] = { "true", "yes", "on", "1" };
  static const char *no[] = { "false", "no", "off", "0" };

  for (gsize i = 0; i < G_N_ELEMENTS (yes); i++)
    {
      if (g_ascii_strcasecmp (value, yes[i]) == 0)
        {
          *out = TRUE;
          return TRUE;
        }
      if (g_ascii_strcasecmp (value, no[i]) == 0)
        {
          *out = FALSE;
          return TRUE;
        }
    }
  return FALSE;
}

/* Checks @value against the key's type; returns the canonical form or NULL with @error set. */
static char *
validate_value (const KeyInfo  *info,
                const char     *value,
                GError        **error)
{
  switch (info->type)
    {
    case KEY_STRING:
      if (!g_utf8_validate (value, -1, NULL))
        break;
      return g_strdup (value);

    case KEY_SERVER:
      /* A URL for a fixed API base, or a bare domain / e-mail address for discovery. */
      if (*value == '\0')
        return g_strdup (value);
      if (g_str_has_prefix (value, "https://") || g_str_has_prefix (value, "http://"))
        {
          if (g_uri_is_valid (value, G_URI_FLAGS_NONE, NULL))
            return g_strdup (value);
          break;
        }
      if (strpbrk (value, " /\\\t") == NULL && strchr (value, '.') != NULL)
        return g_strdup (value);
      break;

    case KEY_BOOLEAN:
      {
        gboolean b;

        if (parse_boolean (value, &b))
          return g_strdup (b ? "true" : "false");
        break;
      }

    case KEY_ENUM:
      {
        g_auto(GStrv) choices = g_strsplit (info->choices, ";", -1);

        if (g_strv_contains ((const char * const *) choices, value))
          return g_strdup (value);
        break;
      }

    case KEY_DIGITS:
      if (*value != '\0' && strspn (value, "0123456789") == strlen (value) && strlen (value) <= 4)
        return g_strdup (value);
      break;

    default:
      g_assert_not_reached ();
    }

  g_set_error (error, ZV_PROFILE_ERROR, ZV_PROFILE_ERROR_INVALID_VALUE,
               _("“%s” is not a valid value for %s"), value, info->name);
  return NULL;
}

static void
add_diagnostic (ZvProfile  *self,
                const char *origin,
                guint       line,
                const char *message)
{
  char *text = line > 0 ? g_strdup_printf ("%s:%u: %s", origin, line, message)
                        : g_strdup_printf ("%s: %s", origin, message);

  g_debug ("%s", text);
  g_ptr_array_add (self->diagnostics, text);
}

static void
apply_value (ZvProfile      *self,
             const char     *key,
             const char     *value,
             const char     *origin,
             ZvProfileLayer  layer)
{
  Entry *entry = g_hash_table_lookup (self->entries, key);

  g_assert (entry != NULL);
  g_free (entry->value);
  entry->value = g_strdup (value);
  g_free (entry->origin);
  entry->origin = g_strdup (origin);
  entry->layer = layer;
}

/**
 * zv_profile_load_data:
 * @origin: the file name used in diagnostics
 *
 * Applies one profile's text on top of what is loaded. Never fails: bad lines become diagnostics.
 */
void
zv_profile_load_data (ZvProfile      *self,
                      const char     *origin,
                      const char     *data,
                      gssize          length,
                      ZvProfileLayer  layer)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  g_autofree char *section = NULL;
  g_autoptr(GPtrArray) to_lock = g_ptr_array_new_with_free_func (g_free);

  g_return_if_fail (ZV_IS_PROFILE (self));
  g_return_if_fail (origin != NULL);
  g_return_if_fail (data != NULL);

  text = length < 0 ? g_strdup (data) : g_strndup (data, length);
  if (!g_utf8_validate (text, -1, NULL))
    {
      add_diagnostic (self, origin, 0, _("the file is not valid UTF-8 text and was ignored"));
      return;
    }

  lines = g_strsplit (text, "\n", -1);
  for (guint n = 0; lines[n] != NULL; n++)
    {
      char *line = g_strstrip (lines[n]);
      guint lineno = n + 1;
      const char *eq;
      g_autofree char *name = NULL;
      g_autofree char *value = NULL;
      g_autofree char *key = NULL;
      g_autofree char *canonical = NULL;
      g_autoptr(GError) error = NULL;
      const KeyInfo *info;
      Entry *entry;

      if (*line == '\0' || *line == '#' || *line == ';')
        continue;

      if (*line == '[')
        {
          gsize len = strlen (line);

          g_clear_pointer (&section, g_free);
          if (len < 3 || line[len - 1] != ']')
            {
              add_diagnostic (self, origin, lineno,
                              _("a section header must look like [name]; the lines up to the next section are ignored"));
              continue;
            }
          section = g_strstrip (g_strndup (line + 1, len - 2));
          continue;
        }

      eq = strchr (line, '=');
      if (eq == NULL)
        {
          add_diagnostic (self, origin, lineno, _("expected “key = value”; the line is ignored"));
          continue;
        }
      if (section == NULL)
        {
          add_diagnostic (self, origin, lineno, _("a key outside any [section]; the line is ignored"));
          continue;
        }

      name = g_strstrip (g_strndup (line, eq - line));
      value = g_strstrip (g_strdup (eq + 1));

      if (g_str_equal (name, "locked"))
        {
          g_auto(GStrv) names = g_strsplit_set (value, ";,", -1);

          if (layer != ZV_PROFILE_LAYER_SYSTEM)
            {
              add_diagnostic (self, origin, lineno, _("only a system profile can lock keys; the line is ignored"));
              continue;
            }
          for (guint i = 0; names[i] != NULL; i++)
            {
              char *locked_name = g_strstrip (names[i]);
              g_autofree char *locked_key = NULL;

              if (*locked_name == '\0')
                continue;
              locked_key = g_strdup_printf ("%s.%s", section, locked_name);
              if (find_key (locked_key) == NULL)
                {
                  g_autofree char *msg = g_strdup_printf (_("unknown key “%s” cannot be locked"), locked_key);
                  add_diagnostic (self, origin, lineno, msg);
                  continue;
                }
              g_ptr_array_add (to_lock, g_steal_pointer (&locked_key));
            }
          continue;
        }

      key = g_strdup_printf ("%s.%s", section, name);
      info = find_key (key);
      if (info == NULL)
        {
          g_autofree char *msg = g_strdup_printf (_("unknown key “%s”; the line is ignored"), key);
          add_diagnostic (self, origin, lineno, msg);
          continue;
        }

      canonical = validate_value (info, value, &error);
      if (canonical == NULL)
        {
          g_autofree char *msg = g_strdup_printf (_("%s; the line is ignored"), error->message);
          add_diagnostic (self, origin, lineno, msg);
          continue;
        }

      entry = g_hash_table_lookup (self->entries, key);
      if (entry->locked)
        {
          g_autofree char *msg = g_strdup_printf (_("%s is locked by %s; the line is ignored"),
                                                  key, entry->origin);
          add_diagnostic (self, origin, lineno, msg);
          continue;
        }

      apply_value (self, key, canonical, origin, layer);
    }

  /* Locks take effect after the whole file, so a file may set and lock a key in any order. */
  for (guint i = 0; i < to_lock->len; i++)
    {
      Entry *entry = g_hash_table_lookup (self->entries, g_ptr_array_index (to_lock, i));

      if (!entry->locked)
        {
          entry->locked = TRUE;
          if (entry->layer == ZV_PROFILE_LAYER_DEFAULT)
            {
              g_free (entry->origin);
              entry->origin = g_strdup (origin);
            }
        }
    }

  g_signal_emit (self, signals[CHANGED], 0);
}

void
zv_profile_load_file (ZvProfile      *self,
                      const char     *path,
                      ZvProfileLayer  layer)
{
  g_autofree char *contents = NULL;
  gsize length = 0;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (ZV_IS_PROFILE (self));
  g_return_if_fail (path != NULL);

  if (!g_file_get_contents (path, &contents, &length, &error))
    {
      if (!g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        add_diagnostic (self, path, 0, error->message);
      return;
    }

  zv_profile_load_data (self, path, contents, length, layer);
}

/**
 * zv_profile_system_dirs:
 *
 * Returns: (transfer full): the folders whose `*.ini` files are system profiles, lowest priority first.
 * `ZVENO_PROFILE_DIR` (a list separated by the search path separator) replaces them, for tests and for
 * IT staff trying a profile out.
 */
char **
zv_profile_system_dirs (void)
{
  const char *env = g_getenv ("ZVENO_PROFILE_DIR");
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  if (env != NULL)
    return g_strsplit (env, G_SEARCHPATH_SEPARATOR_S, -1);

#ifdef G_OS_WIN32
  {
    const char *program_data = g_getenv ("ProgramData");

    if (program_data != NULL)
      {
        g_autofree char *dir = g_build_filename (program_data, "Zveno", "profile.d", NULL);
        g_strv_builder_add (builder, dir);
      }
  }
#else
  g_strv_builder_add (builder, SYSCONFDIR "/zveno/profile.d");
  /* Inside Flatpak the host's /etc is visible under /run/host/etc (finish-arg host-etc:ro). */
  if (g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS))
    g_strv_builder_add (builder, "/run/host/etc/zveno/profile.d");
#endif

  return g_strv_builder_end (builder);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(char * const *) a, *(char * const *) b);
}

void
zv_profile_load_system (ZvProfile   *self,
                        const char **dirs)
{
  g_return_if_fail (ZV_IS_PROFILE (self));

  for (guint d = 0; dirs != NULL && dirs[d] != NULL; d++)
    {
      g_autoptr(GDir) dir = g_dir_open (dirs[d], 0, NULL);
      g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      const char *name;

      if (dir == NULL)
        continue;
      while ((name = g_dir_read_name (dir)) != NULL)
        if (g_str_has_suffix (name, ".ini"))
          g_ptr_array_add (names, g_strdup (name));
      g_ptr_array_sort (names, compare_names);

      for (guint i = 0; i < names->len; i++)
        {
          g_autofree char *path = g_build_filename (dirs[d], g_ptr_array_index (names, i), NULL);
          zv_profile_load_file (self, path, ZV_PROFILE_LAYER_SYSTEM);
        }
    }
}

const char *
zv_profile_get_string (ZvProfile  *self,
                       const char *key)
{
  Entry *entry;

  g_return_val_if_fail (ZV_IS_PROFILE (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);

  entry = g_hash_table_lookup (self->entries, key);
  g_return_val_if_fail (entry != NULL, NULL);
  return entry->value;
}

gboolean
zv_profile_get_boolean (ZvProfile  *self,
                        const char *key)
{
  const char *value = zv_profile_get_string (self, key);

  return g_strcmp0 (value, "true") == 0;
}

gboolean
zv_profile_is_locked (ZvProfile  *self,
                      const char *key)
{
  Entry *entry;

  g_return_val_if_fail (ZV_IS_PROFILE (self), FALSE);

  entry = g_hash_table_lookup (self->entries, key);
  return entry != NULL && entry->locked;
}

const char *
zv_profile_get_origin (ZvProfile  *self,
                       const char *key)
{
  Entry *entry;

  g_return_val_if_fail (ZV_IS_PROFILE (self), NULL);

  entry = g_hash_table_lookup (self->entries, key);
  return entry != NULL ? entry->origin : NULL;
}

ZvProfileLayer
zv_profile_get_layer (ZvProfile  *self,
                      const char *key)
{
  Entry *entry;

  g_return_val_if_fail (ZV_IS_PROFILE (self), ZV_PROFILE_LAYER_DEFAULT);

  entry = g_hash_table_lookup (self->entries, key);
  return entry != NULL ? entry->layer : ZV_PROFILE_LAYER_DEFAULT;
}

/**
 * zv_profile_set:
 *
 * Changes a key as the user. Fails with %ZV_PROFILE_ERROR_LOCKED when a system profile locked it.
 */
gboolean
zv_profile_set (ZvProfile   *self,
                const char  *key,
                const char  *value,
                GError     **error)
{
  const KeyInfo *info;
  Entry *entry;
  g_autofree char *canonical = NULL;

  g_return_val_if_fail (ZV_IS_PROFILE (self), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (value != NULL, FALSE);

  info = find_key (key);
  if (info == NULL)
    {
      g_set_error (error, ZV_PROFILE_ERROR, ZV_PROFILE_ERROR_UNKNOWN_KEY,
                   _("There is no setting called “%s”"), key);
      return FALSE;
    }

  entry = g_hash_table_lookup (self->entries, key);
  if (entry->locked)
    {
      g_set_error (error, ZV_PROFILE_ERROR, ZV_PROFILE_ERROR_LOCKED,
                   _("Your company's IT department has locked this setting"));
      return FALSE;
    }

  canonical = validate_value (info, value, error);
  if (canonical == NULL)
    return FALSE;

  if (g_strcmp0 (entry->value, canonical) == 0 && entry->layer == ZV_PROFILE_LAYER_USER)
    return TRUE;

  apply_value (self, key, canonical, "user", ZV_PROFILE_LAYER_USER);
  g_signal_emit (self, signals[CHANGED], 0);
  return TRUE;
}

/* The user layer as ini text: only keys the user set, grouped by section. */
char *
zv_profile_to_user_data (ZvProfile *self)
{
  GString *out = g_string_new ("# Zveno user settings. System profiles in profile.d may override and lock these.\n");
  g_autofree char *current_section = NULL;

  g_return_val_if_fail (ZV_IS_PROFILE (self), NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (known_keys); i++)
    {
      Entry *entry = g_hash_table_lookup (self->entries, known_keys[i].name);
      const char *dot = strchr (known_keys[i].name, '.');
      g_autofree char *section = g_strndup (known_keys[i].name, dot - known_keys[i].name);

      if (entry->layer != ZV_PROFILE_LAYER_USER)
        continue;
      if (g_strcmp0 (section, current_section) != 0)
        {
          g_string_append_printf (out, "\n[%s]\n", section);
          g_free (current_section);
          current_section = g_steal_pointer (&section);
        }
      g_string_append_printf (out, "%s = %s\n", dot + 1, entry->value);
    }

  return g_string_free (out, FALSE);
}

gboolean
zv_profile_save_user (ZvProfile   *self,
                      const char  *path,
                      GError     **error)
{
  g_autofree char *data = NULL;
  g_autofree char *dir = NULL;

  g_return_val_if_fail (ZV_IS_PROFILE (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("Could not create the folder %s: %s"), dir, g_strerror (saved));
      return FALSE;
    }

  data = zv_profile_to_user_data (self);
  /* g_file_set_contents writes a temporary file and renames it: a crash never leaves half a file. */
  return g_file_set_contents_full (path, data, -1,
                                   G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

const char * const *
zv_profile_list_keys (void)
{
  static const char *names[G_N_ELEMENTS (known_keys) + 1];

  if (names[0] == NULL)
    for (gsize i = 0; i < G_N_ELEMENTS (known_keys); i++)
      names[i] = known_keys[i].name;
  return names;
}

/**
 * zv_profile_get_diagnostics:
 *
 * Returns: (transfer none) (element-type utf8): "file:line: message" for every line that was skipped.
 */
GPtrArray *
zv_profile_get_diagnostics (ZvProfile *self)
{
  g_return_val_if_fail (ZV_IS_PROFILE (self), NULL);

  return self->diagnostics;
}

ZvProfile *
zv_profile_new (void)
{
  return g_object_new (ZV_TYPE_PROFILE, NULL);
}

static void
zv_profile_finalize (GObject *object)
{
  ZvProfile *self = ZV_PROFILE (object);

  g_clear_pointer (&self->entries, g_hash_table_unref);
  g_clear_pointer (&self->diagnostics, g_ptr_array_unref);

  G_OBJECT_CLASS (zv_profile_parent_class)->finalize (object);
}

static void
zv_profile_class_init (ZvProfileClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = zv_profile_finalize;

  /**
   * ZvProfile::changed:
   *
   * Emitted after a profile file was applied or the user changed a setting.
   */
  signals[CHANGED] = g_signal_new ("changed",
                                   G_TYPE_FROM_CLASS (klass),
                                   G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL,
                                   G_TYPE_NONE, 0);
}

static void
zv_profile_init (ZvProfile *self)
{
  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, entry_free);
  self->diagnostics = g_ptr_array_new_with_free_func (g_free);

  for (gsize i = 0; i < G_N_ELEMENTS (known_keys); i++)
    {
      Entry *entry = g_new0 (Entry, 1);

      entry->value = g_strdup (known_keys[i].default_value);
      entry->origin = g_strdup ("default");
      entry->layer = ZV_PROFILE_LAYER_DEFAULT;
      g_hash_table_insert (self->entries, (gpointer) known_keys[i].name, entry);
    }
}
