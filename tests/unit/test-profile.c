/* test-profile.c: IT presets merge in order, lock keys, and skip bad lines with file:line reports. */
#include "config.h"

#include <glib/gstdio.h>

#include "zv-profile.h"

static gboolean
diagnostics_contain (ZvProfile  *profile,
                     const char *needle)
{
  GPtrArray *d = zv_profile_get_diagnostics (profile);

  for (guint i = 0; i < d->len; i++)
    if (strstr (g_ptr_array_index (d, i), needle) != NULL)
      return TRUE;
  return FALSE;
}

static void
test_defaults (void)
{
  g_autoptr(ZvProfile) profile = zv_profile_new ();

  g_assert_cmpstr (zv_profile_get_string (profile, "account.server"), ==, "");
  g_assert_true (zv_profile_get_boolean (profile, "notifications.enabled"));
  g_assert_cmpstr (zv_profile_get_string (profile, "ui.color-scheme"), ==, "default");
  g_assert_false (zv_profile_is_locked (profile, "account.server"));
  g_assert_cmpint (zv_profile_get_layer (profile, "account.server"), ==, ZV_PROFILE_LAYER_DEFAULT);
  g_assert_cmpuint (zv_profile_get_diagnostics (profile)->len, ==, 0);
  g_assert_true (g_strv_contains (zv_profile_list_keys (), "security.ca-file"));
}

static void
test_layers_and_locks (void)
{
  g_autoptr(ZvProfile) profile = zv_profile_new ();
  g_autoptr(GError) error = NULL;
  const char *company =
    "# company preset\n"
    "[account]\n"
    "server = https://uc.example.com\n"
    "locked = server\n"
    "[notifications]\n"
    "previews = no\n";
  const char *user =
    "[account]\n"
    "server = https://evil.example.org\n"
    "login = anna\n"
    "[notifications]\n"
    "previews = yes\n";

  zv_profile_load_data (profile, "/etc/zveno/profile.d/10-company.ini", company, -1, ZV_PROFILE_LAYER_SYSTEM);
  zv_profile_load_data (profile, "settings.ini", user, -1, ZV_PROFILE_LAYER_USER);

  /* The locked server survives the user's file; the unlocked preview setting is the user's. */
  g_assert_cmpstr (zv_profile_get_string (profile, "account.server"), ==, "https://uc.example.com");
  g_assert_true (zv_profile_is_locked (profile, "account.server"));
  g_assert_cmpstr (zv_profile_get_origin (profile, "account.server"), ==, "/etc/zveno/profile.d/10-company.ini");
  g_assert_true (diagnostics_contain (profile, "settings.ini:2:"));
  g_assert_cmpstr (zv_profile_get_string (profile, "account.login"), ==, "anna");
  g_assert_true (zv_profile_get_boolean (profile, "notifications.previews"));

  g_assert_false (zv_profile_set (profile, "account.server", "https://other.example.com", &error));
  g_assert_error (error, ZV_PROFILE_ERROR, ZV_PROFILE_ERROR_LOCKED);
  g_clear_error (&error);
  g_assert_cmpstr (zv_profile_get_string (profile, "account.server"), ==, "https://uc.example.com");

  g_assert_true (zv_profile_set (profile, "ui.color-scheme", "dark", &error));
  g_assert_no_error (error);
  g_assert_cmpstr (zv_profile_get_string (profile, "ui.color-scheme"), ==, "dark");

  g_assert_false (zv_profile_set (profile, "ui.color-scheme", "purple", &error));
  g_assert_error (error, ZV_PROFILE_ERROR, ZV_PROFILE_ERROR_INVALID_VALUE);
  g_clear_error (&error);
  g_assert_false (zv_profile_set (profile, "ui.nonsense", "1", &error));
  g_assert_error (error, ZV_PROFILE_ERROR, ZV_PROFILE_ERROR_UNKNOWN_KEY);
}

static void
test_malformed_lines (void)
{
  g_autoptr(ZvProfile) profile = zv_profile_new ();
  const char *text =
    "server = before-any-section.example.com\n"   /* 1: outside a section */
    "[account]\n"
    "this line has no equals sign\n"               /* 3 */
    "server = not a url\n"                         /* 4: invalid value */
    "colour = blue\n"                              /* 5: unknown key */
    "login = boris\n"                              /* 6: fine */
    "[broken\n"                                    /* 7: bad header */
    "login = ignored-in-broken-section\n"          /* 8: outside a section */
    "[telephony]\n"
    "country-code = 49\n"                          /* 10: fine */
    "locked = nothing-here\n";                     /* 11: unknown lock */

  zv_profile_load_data (profile, "corp.ini", text, -1, ZV_PROFILE_LAYER_SYSTEM);

  g_assert_true (diagnostics_contain (profile, "corp.ini:1:"));
  g_assert_true (diagnostics_contain (profile, "corp.ini:3:"));
  g_assert_true (diagnostics_contain (profile, "corp.ini:4:"));
  g_assert_true (diagnostics_contain (profile, "corp.ini:5:"));
  g_assert_true (diagnostics_contain (profile, "corp.ini:7:"));
  g_assert_true (diagnostics_contain (profile, "corp.ini:8:"));
  g_assert_true (diagnostics_contain (profile, "corp.ini:11:"));
  g_assert_false (diagnostics_contain (profile, "corp.ini:6:"));
  g_assert_false (diagnostics_contain (profile, "corp.ini:10:"));
  g_assert_cmpstr (zv_profile_get_string (profile, "account.login"), ==, "boris");
  g_assert_cmpstr (zv_profile_get_string (profile, "account.server"), ==, "");
  g_assert_cmpstr (zv_profile_get_string (profile, "telephony.country-code"), ==, "49");

  /* Binary junk is reported once and changes nothing. */
  zv_profile_load_data (profile, "junk.ini", "[account]\nlogin = \xff\xfe\n", -1, ZV_PROFILE_LAYER_SYSTEM);
  g_assert_true (diagnostics_contain (profile, "junk.ini"));
  g_assert_cmpstr (zv_profile_get_string (profile, "account.login"), ==, "boris");

  /* Only system profiles lock. */
  zv_profile_load_data (profile, "user.ini", "[account]\nlocked = login\n", -1, ZV_PROFILE_LAYER_USER);
  g_assert_true (diagnostics_contain (profile, "user.ini:2:"));
  g_assert_false (zv_profile_is_locked (profile, "account.login"));
}

static void
test_system_dirs_and_save (void)
{
  g_autoptr(ZvProfile) profile = zv_profile_new ();
  g_autoptr(ZvProfile) reloaded = zv_profile_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("zveno-profile-XXXXXX", &error);
  g_autofree char *a = g_build_filename (dir, "10-company.ini", NULL);
  g_autofree char *b = g_build_filename (dir, "20-department.ini", NULL);
  g_autofree char *ignored = g_build_filename (dir, "README.txt", NULL);
  g_autofree char *user = g_build_filename (dir, "user", "settings.ini", NULL);
  const char *dirs[] = { "/nonexistent/zveno", dir, NULL };

  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (a, "[account]\nserver = uc.example.com\n[ui]\ncolor-scheme = light\n", -1, NULL));
  g_assert_true (g_file_set_contents (b, "[ui]\ncolor-scheme = dark\nlocked = color-scheme\n", -1, NULL));
  g_assert_true (g_file_set_contents (ignored, "[ui]\ncolor-scheme = light\n", -1, NULL));

  zv_profile_load_system (profile, dirs);
  g_assert_cmpstr (zv_profile_get_string (profile, "account.server"), ==, "uc.example.com");
  g_assert_cmpstr (zv_profile_get_string (profile, "ui.color-scheme"), ==, "dark");
  g_assert_true (zv_profile_is_locked (profile, "ui.color-scheme"));

  g_assert_true (zv_profile_set (profile, "chats.send-with-enter", "false", &error));
  g_assert_true (zv_profile_save_user (profile, user, &error));
  g_assert_no_error (error);

  zv_profile_load_file (reloaded, user, ZV_PROFILE_LAYER_USER);
  g_assert_false (zv_profile_get_boolean (reloaded, "chats.send-with-enter"));
  g_assert_cmpuint (zv_profile_get_diagnostics (reloaded)->len, ==, 0);
  /* Only what the user set was written: the company server is not copied into user settings. */
  g_assert_cmpstr (zv_profile_get_string (reloaded, "account.server"), ==, "");

  g_unlink (a);
  g_unlink (b);
  g_unlink (ignored);
  g_unlink (user);
  {
    g_autofree char *userdir = g_path_get_dirname (user);
    g_rmdir (userdir);
  }
  g_rmdir (dir);
}

static void
test_env_dirs (void)
{
  g_auto(GStrv) dirs = NULL;

  g_setenv ("ZVENO_PROFILE_DIR", "/a" G_SEARCHPATH_SEPARATOR_S "/b", TRUE);
  dirs = zv_profile_system_dirs ();
  g_assert_cmpuint (g_strv_length (dirs), ==, 2);
  g_assert_cmpstr (dirs[1], ==, "/b");
  g_unsetenv ("ZVENO_PROFILE_DIR");
  g_strfreev (dirs);
  dirs = zv_profile_system_dirs ();
  g_assert_cmpstr (dirs[0], ==, SYSCONFDIR "/zveno/profile.d");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/profile/defaults", test_defaults);
  g_test_add_func ("/profile/layers-and-locks", test_layers_and_locks);
  g_test_add_func ("/profile/malformed-lines", test_malformed_lines);
  g_test_add_func ("/profile/system-dirs-and-save", test_system_dirs_and_save);
  g_test_add_func ("/profile/env-dirs", test_env_dirs);
  return g_test_run ();
}
