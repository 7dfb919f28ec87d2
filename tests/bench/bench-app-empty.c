/* bench-app-empty.c: the anchor of the app startup benchmark (issue 5): an AdwApplication with one
 * empty AdwApplicationWindow, nothing else. It prints "first-frame" on standard output when the
 * window's frame clock finishes its first paint, exactly as zveno does with ZVENO_PRINT_FIRST_FRAME=1,
 * so tests/bench/bench-app-startup.sh times both the same way (from exec to that line). */
#define G_LOG_DOMAIN "zveno-bench"

#include <stdio.h>

#include <adwaita.h>

static void
after_paint_cb (GdkFrameClock *clock,
                gpointer       user_data)
{
  g_signal_handlers_disconnect_by_func (clock, after_paint_cb, user_data);
  printf ("first-frame\n");
  fflush (stdout);
}

static void
map_cb (GtkWidget *window,
        gpointer   user_data)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (window);

  g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), NULL);
}

static void
activate_cb (GApplication *app,
             gpointer      user_data)
{
  GtkWidget *window = adw_application_window_new (GTK_APPLICATION (app));

  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 700);
  gtk_window_set_title (GTK_WINDOW (window), "Empty");
  g_signal_connect (window, "map", G_CALLBACK (map_cb), NULL);
  gtk_window_present (GTK_WINDOW (window));
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(AdwApplication) app = adw_application_new ("org.zveno.BenchEmpty", G_APPLICATION_NON_UNIQUE);

  g_signal_connect (app, "activate", G_CALLBACK (activate_cb), NULL);
  return g_application_run (G_APPLICATION (app), argc, argv);
}
