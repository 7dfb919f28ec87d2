/* test-widgets.c: the contacts page and card, the search page and the notifier against a real ZvStore
 * filled with a small company, in a real GTK window (run by run-gtk-test.py under Xvfb, with a
 * dbusmock notification daemon on the private session bus).
 *
 * Each widget test also saves a screenshot (BUILD/tests/screenshots/<name>-<lang>.png) of the
 * window as GTK renders it, for a person to look at. */
#define G_LOG_DOMAIN "zveno-test"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <string.h>

#include "zv-chat-row.h"
#include "zv-contact-card.h"
#include "zv-contacts-page.h"
#include "zv-events.h"
#include "zv-format.h"
#include "zv-notifier.h"
#include "zv-search-page.h"
#include "zv-search-result.h"
#include "zv-search-results.h"
#include "zv-secret-store-libsecret.h"
#include "zv-contact.h"

typedef struct {
  char      *dir;
  ZvAccount *account;
} Fixture;

static const char *fill_sql =
  "INSERT INTO meta (key, value) VALUES ('server', 'https://127.0.0.1:1'), ('login', 'anna'), ('user_id', '1'), ('sync_token', 't1');"
  "INSERT INTO users (id, login, name, title, department, email, extension, mobile, company_phone, external, presence, sort_name) VALUES "
  " (1, 'anna', 'Анна Смирнова', 'Руководитель отдела продаж', 'Продажи', 'anna@example.com', '101', '+7 912 000-00-01', '', 0, 'online', 'смирнова анна'),"
  " (2, 'boris', 'Борис Петров', 'Главный бухгалтер', 'Бухгалтерия', 'boris@example.com', '102', '+7 912 000-00-02', '+7 495 100-00-02', 0, 'online', 'петров борис'),"
  " (3, 'vera', 'Вера Иванова', 'Бухгалтер', 'Бухгалтерия', 'vera@example.com', '103', '', '', 0, 'offline', 'иванова вера'),"
  " (4, 'john', 'John Carter', 'Sales engineer', 'Partner: Acme Ltd', 'john@acme.example', '', '+44 20 7946 0000', '', 1, 'offline', 'carter john'),"
  " (5, 'gleb', 'Глеб Соколов', 'Системный администратор', 'ИТ', 'gleb@example.com', '105', '', '', 0, 'online', 'соколов глеб'),"
  " (6, 'daria', 'Дарья Кузнецова', 'Менеджер по закупкам', 'Закупки', 'daria@example.com', '106', '+7 912 000-00-06', '', 0, 'offline', 'кузнецова дарья');"
  "INSERT INTO chats (id, type, title, last_activity, unread) VALUES (10, 'direct', '', 400, 2), (11, 'group', 'Продажи', 300, 1), (12, 'group', 'Бухгалтерия', 200, 0);"
  "INSERT INTO members (chat_id, user_id) VALUES (10, 1), (10, 2), (11, 1), (11, 2), (11, 4), (12, 1), (12, 3);"
  "INSERT INTO messages (id, chat_id, sender_id, text, created_at) VALUES "
  " (1, 12, 3, 'Договор с поставщиком подписан, оригинал в бухгалтерии', 1764300000000),"
  " (2, 12, 1, 'Спасибо! Когда будет акт по договору?', 1764300100000),"
  " (3, 11, 4, 'The contract draft is ready for review', 1764300200000),"
  " (4, 11, 2, 'По договорам с Acme счета выставлены', 1764300300000),"
  " (5, 10, 2, 'Анна, посмотрите договоры до обеда, пожалуйста', 1764300400000),"
  " (6, 10, 1, 'Хорошо, посмотрю', 1764300500000);";

static gboolean
sql_write (ZvDb            *db,
           gpointer         data,
           ZvStoreChanges  *changes,
           GError         **error)
{
  changes->flags |= ZV_STORE_CHANGED_ALL;
  return zv_db_exec (db, data, error);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *child = g_build_filename (path, name, NULL);
        remove_tree (child);
      }
  g_remove (path);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autoptr(ZvStore) store = NULL;
  g_autoptr(ZvSecretStoreLibsecret) secrets = zv_secret_store_libsecret_new ();

  f->dir = g_dir_make_tmp ("zveno-widgets-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "zveno.db", NULL);
  store = zv_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_true (zv_store_write_sync (store, sql_write, (gpointer) fill_sql, &error));
  g_assert_no_error (error);
  zv_store_close (store);

  f->account = zv_account_new (f->dir, ZV_SECRET_STORE (secrets));
  g_assert_true (zv_account_load (f->account, &error));
  g_assert_no_error (error);
  g_assert_nonnull (zv_account_get_store (f->account));
  g_assert_cmpint (zv_account_get_user_id (f->account), ==, 1);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  zv_store_close (zv_account_get_store (f->account));
  g_clear_object (&f->account);
  remove_tree (f->dir);
  g_free (f->dir);
}

static void
iterate (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (5000);
    }
}

static const char *
lang (void)
{
  const char *l = g_getenv ("LANGUAGE");
  return l != NULL && *l != '\0' ? l : "en";
}

/* Renders @window as GTK draws it and saves it under BUILD/tests/screenshots. */
static void
screenshot (GtkWidget  *window,
            const char *name)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (window);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *file = NULL;
  g_autofree char *path = NULL;
  const char *root = g_getenv ("ZVENO_BUILD_ROOT");
  int w = gtk_widget_get_width (window), h = gtk_widget_get_height (window);
  GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (window));

  g_assert_cmpint (w, >, 0);
  gdk_paintable_snapshot (paintable, snapshot, w, h);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, w, h));
  dir = g_build_filename (root != NULL ? root : ".", "tests", "screenshots", NULL);
  g_mkdir_with_parents (dir, 0755);
  file = g_strdup_printf ("%s-%s.png", name, lang ());
  path = g_build_filename (dir, file, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
}

static GtkWidget *
show_in_window (GtkWidget *child,
                int        width,
                int        height)
{
  GtkWidget *window = adw_window_new ();

  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  adw_window_set_content (ADW_WINDOW (window), child);
  gtk_window_present (GTK_WINDOW (window));
  iterate (400);
  return window;
}

/* ---- contacts ---------------------------------------------------------------------------- */

static void
on_open_chat (ZvContactCard *card,
              gint64         chat_id,
              gint64         user_id,
              gint64        *out)
{
  out[0] = chat_id;
  out[1] = user_id;
}

static void
on_call (ZvContactCard *card,
         const char    *number,
         gint64         user_id,
         char         **out)
{
  g_free (*out);
  *out = g_strdup (number);
}

static void
on_contact_activated (ZvContactsPage *page,
                      gint64          user_id,
                      ZvContactCard  *card)
{
  g_assert_true (zv_contact_card_show_contact (card, user_id));
}

/* The first widget under @root of @type (and, for a button, with @label), depth first. */
static GtkWidget *
find_widget (GtkWidget  *root,
             GType       type,
             const char *label)
{
  g_autoptr(GPtrArray) stack = g_ptr_array_new ();

  g_ptr_array_add (stack, root);
  while (stack->len > 0)
    {
      GtkWidget *cur = g_ptr_array_steal_index (stack, stack->len - 1);

      if (G_TYPE_CHECK_INSTANCE_TYPE (cur, type) &&
          (label == NULL || g_strcmp0 (gtk_button_get_label (GTK_BUTTON (cur)), label) == 0))
        return cur;
      for (GtkWidget *c = gtk_widget_get_first_child (cur); c != NULL; c = gtk_widget_get_next_sibling (c))
        g_ptr_array_add (stack, c);
    }
  return NULL;
}

static void
test_contacts (Fixture       *f,
               gconstpointer  data)
{
  ZvContactsPage *page = zv_contacts_page_new (f->account);
  ZvContactCard *card = zv_contact_card_new (f->account);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *window;
  GListModel *model = zv_contacts_page_get_model (page);
  gint64 opened[2] = { 0, 0 };
  g_autofree char *called = NULL;
  g_autoptr(ZvContact) first = NULL;
  g_autoptr(GError) error = NULL;
  GtkWidget *list_view, *write, *call;

  /* As the window lays them out: the directory in a sidebar, the card beside it. */
  gtk_widget_set_size_request (GTK_WIDGET (page), 340, -1);
  gtk_widget_set_hexpand (GTK_WIDGET (card), TRUE);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (page));
  gtk_box_append (GTK_BOX (box), gtk_separator_new (GTK_ORIENTATION_VERTICAL));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (card));
  /* Hidden until someone is chosen, as the window shows its placeholder instead. */
  gtk_widget_set_visible (GTK_WIDGET (card), FALSE);
  window = show_in_window (box, 900, 640);

  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 6);
  first = g_list_model_get_item (model, 0);
  g_assert_cmpstr (zv_contact_get_name (first), ==, "John Carter");   /* by sort name */
  g_assert_null (zv_contact_card_get_contact (card));
  screenshot (window, "contacts");

  /* Filtering by department, case-insensitively, and by a phone number. */
  zv_contacts_page_set_filter (page, "БУХГАЛТ");
  iterate (50);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 2);
  zv_contacts_page_set_filter (page, "7946");
  iterate (50);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1);
  zv_contacts_page_set_filter (page, "нет такого");
  iterate (200);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 0);
  screenshot (window, "contacts-empty");
  zv_contacts_page_set_filter (page, "");
  iterate (50);

  /* Choosing a row (as a click or Enter does) names that person, and the card shows them. */
  g_signal_connect (page, "contact-activated", G_CALLBACK (on_contact_activated), card);
  list_view = find_widget (GTK_WIDGET (page), GTK_TYPE_LIST_VIEW, NULL);
  g_assert_nonnull (list_view);
  g_signal_emit_by_name (list_view, "activate", 0u);
  g_assert_nonnull (zv_contact_card_get_contact (card));
  g_assert_cmpint (zv_contact_get_id (zv_contact_card_get_contact (card)), ==, 4);
  gtk_widget_set_visible (GTK_WIDGET (card), TRUE);

  /* The card; "Write" finds the cached direct chat, "Call" dials the extension. */
  g_signal_connect (card, "open-chat", G_CALLBACK (on_open_chat), opened);
  g_signal_connect (card, "call", G_CALLBACK (on_call), &called);
  g_assert_false (zv_contact_card_show_contact (card, 999));
  g_assert_cmpint (zv_contact_get_id (zv_contact_card_get_contact (card)), ==, 4);
  g_assert_true (zv_contact_card_show_contact (card, 2));
  zv_contacts_page_set_selected_id (page, 2);
  iterate (400);
  screenshot (window, "contact");

  /* Found by their labels, what a screen reader announces. */
  write = find_widget (GTK_WIDGET (card), GTK_TYPE_BUTTON, _("Write"));
  call = find_widget (GTK_WIDGET (card), GTK_TYPE_BUTTON, _("Call"));
  g_assert_nonnull (write);
  g_assert_nonnull (call);
  g_assert_true (gtk_widget_get_visible (write));
  g_signal_emit_by_name (write, "clicked");
  g_assert_cmpint (opened[0], ==, 10);
  g_assert_cmpint (opened[1], ==, 2);
  g_signal_emit_by_name (call, "clicked");
  g_assert_cmpstr (called, ==, "102");

  /* One's own card has neither. */
  g_assert_true (zv_contact_card_show_contact (card, 1));
  g_assert_false (gtk_widget_get_visible (write));
  g_assert_false (gtk_widget_get_visible (call));

  /* The card follows the directory: a presence change shows, a person removed empties it. */
  g_assert_true (zv_contact_card_show_contact (card, 3));
  g_assert_true (zv_store_write_sync (zv_account_get_store (f->account), sql_write,
                                      (gpointer) "UPDATE users SET presence = 'online' WHERE id = 3", &error));
  g_assert_no_error (error);
  iterate (100);
  g_assert_cmpstr (zv_contact_get_presence (zv_contact_card_get_contact (card)), ==, "online");
  g_assert_true (zv_store_write_sync (zv_account_get_store (f->account), sql_write,
                                      (gpointer) "DELETE FROM users WHERE id = 3", &error));
  g_assert_no_error (error);
  iterate (100);
  g_assert_null (zv_contact_card_get_contact (card));

  gtk_window_destroy (GTK_WINDOW (window));
  iterate (50);
}

/* ---- search ----------------------------------------------------------------------------- */

static void
on_open_message (ZvSearchPage *page,
                 gint64        chat_id,
                 gint64        message_id,
                 gint64       *out)
{
  out[0] = chat_id;
  out[1] = message_id;
}

static void
test_search (Fixture       *f,
             gconstpointer  data)
{
  ZvSearchPage *page = zv_search_page_new (f->account);
  GtkWidget *window = show_in_window (GTK_WIDGET (page), 480, 640);
  GListModel *model = zv_search_page_get_model (page);
  gint64 opened[2] = { 0, 0 };
  g_autoptr(ZvSearchResult) hit = NULL;

  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 0);
  screenshot (window, "search-start");

  /* Another form of the word finds every form (stemming), newest first, in every chat. */
  zv_search_page_set_query (page, "договором");
  iterate (300);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 4);
  hit = g_list_model_get_item (model, 0);
  g_assert_cmpint (zv_search_result_get_message_id (hit), ==, 5);
  g_assert_nonnull (strstr (zv_search_result_get_snippet_markup (hit), "<b>"));
  screenshot (window, "search");

  /* While typing: a prefix finds too. */
  zv_search_page_set_query (page, "contr");
  iterate (100);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1);

  zv_search_page_set_query (page, "ничего такого нет");
  iterate (200);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 0);
  screenshot (window, "search-empty");

  /* Choosing a hit. */
  zv_search_page_set_query (page, "договор");
  iterate (100);
  g_signal_connect (page, "open-message", G_CALLBACK (on_open_message), opened);
  {
    GtkWidget *w = GTK_WIDGET (page);
    GtkWidget *list = NULL;
    g_autoptr(GPtrArray) stack = g_ptr_array_new ();

    g_ptr_array_add (stack, w);
    while (stack->len > 0 && list == NULL)
      {
        GtkWidget *cur = g_ptr_array_steal_index (stack, stack->len - 1);
        if (GTK_IS_LIST_VIEW (cur))
          list = cur;
        for (GtkWidget *c = gtk_widget_get_first_child (cur); c != NULL; c = gtk_widget_get_next_sibling (c))
          g_ptr_array_add (stack, c);
      }
    g_assert_nonnull (list);
    g_signal_emit_by_name (list, "activate", 1);
  }
  g_assert_cmpint (opened[0], ==, 11);
  g_assert_cmpint (opened[1], ==, 4);

  gtk_window_destroy (GTK_WINDOW (window));
  iterate (50);
}

/* ---- paging while scrolling ------------------------------------------------------------------- */

static gboolean
many_write (ZvDb            *db,
            gpointer         data,
            ZvStoreChanges  *changes,
            GError         **error)
{
  for (int i = 0; i < 300; i++)
    {
      sqlite3_stmt *stmt = zv_db_prepare (db, "INSERT INTO messages (id, chat_id, sender_id, text, created_at) "
                                              "VALUES (?1, 11, 2, 'счёт номер ' || ?1, ?2)", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, 100 + i);
      sqlite3_bind_int64 (stmt, 2, 1764300600000 + i * 1000);
      if (!zv_db_step_done (db, stmt, error))
        return FALSE;
    }
  zv_store_changes_add_chat (changes, 11);
  changes->flags |= ZV_STORE_CHANGED_MESSAGES;
  return TRUE;
}

static void
test_search_paging (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  ZvSearchPage *page;
  GtkWidget *window;
  GListModel *model;
  GtkScrolledWindow *scrolled = NULL;
  guint first;

  g_assert_true (zv_store_write_sync (zv_account_get_store (f->account), many_write, NULL, &error));
  g_assert_no_error (error);
  page = zv_search_page_new (f->account);
  window = show_in_window (GTK_WIDGET (page), 480, 640);
  model = zv_search_page_get_model (page);
  zv_search_page_set_query (page, "счёт");
  iterate (500);
  first = g_list_model_get_n_items (model);
  g_assert_cmpuint (first, <, 300);     /* a page, not everything */
  g_assert_cmpuint (first, >, 0);
  g_assert_true (zv_search_results_get_has_more (ZV_SEARCH_RESULTS (model)));

  {
    g_autoptr(GPtrArray) stack = g_ptr_array_new ();
    g_ptr_array_add (stack, page);
    while (stack->len > 0 && scrolled == NULL)
      {
        GtkWidget *cur = g_ptr_array_steal_index (stack, stack->len - 1);
        /* The one around the hits (the empty state's AdwStatusPage has one too). */
        if (GTK_IS_SCROLLED_WINDOW (cur) && GTK_IS_LIST_VIEW (gtk_scrolled_window_get_child (GTK_SCROLLED_WINDOW (cur))))
          scrolled = GTK_SCROLLED_WINDOW (cur);
        for (GtkWidget *c = gtk_widget_get_first_child (cur); c != NULL; c = gtk_widget_get_next_sibling (c))
          g_ptr_array_add (stack, c);
      }
  }
  g_assert_nonnull (scrolled);
  for (int i = 0; i < 40 && g_list_model_get_n_items (model) < 301; i++)
    {
      GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (scrolled);
      gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj));
      iterate (100);
    }
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 301);   /* and "счета" of message 4 */

  gtk_window_destroy (GTK_WINDOW (window));
  iterate (50);
}

/* ---- notifier --------------------------------------------------------------------------- */

static GVariant *
notify_calls (void)
{
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr(GError) error = NULL;
  GVariant *reply;

  g_assert_nonnull (bus);
  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.Notifications", "/org/freedesktop/Notifications",
                                       "org.freedesktop.DBus.Mock", "GetMethodCalls",
                                       g_variant_new ("(s)", "Notify"), NULL, G_DBUS_CALL_FLAGS_NONE, 5000,
                                       NULL, &error);
  g_assert_no_error (error);
  return reply;
}

static void
clear_calls (void)
{
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.Notifications", "/org/freedesktop/Notifications",
                                       "org.freedesktop.DBus.Mock", "ClearCalls", NULL, NULL,
                                       G_DBUS_CALL_FLAGS_NONE, 5000, NULL, &error);
  g_assert_no_error (error);
}

/* The (summary, body) of the last Notify call, or FALSE if there was none. */
static gboolean
last_notify (char **summary,
             char **body,
             guint *count)
{
  g_autoptr(GVariant) reply = notify_calls ();
  g_autoptr(GVariant) calls = g_variant_get_child_value (reply, 0);
  g_autoptr(GVariant) call = NULL;
  g_autoptr(GVariant) args = NULL;
  g_autoptr(GVariant) s = NULL;
  g_autoptr(GVariant) b = NULL;
  gsize n = g_variant_n_children (calls);

  *count = (guint) n;
  if (n == 0)
    return FALSE;
  call = g_variant_get_child_value (calls, n - 1);        /* (timestamp, args) */
  args = g_variant_get_child_value (call, 1);
  /* Notify (app_name, replaces_id, icon, summary, body, actions, hints, timeout) */
  s = g_variant_get_variant (g_variant_get_child_value (args, 3));
  b = g_variant_get_variant (g_variant_get_child_value (args, 4));
  *summary = g_variant_dup_string (s, NULL);
  *body = g_variant_dup_string (b, NULL);
  return TRUE;
}

static void
emit_message (ZvEvents   *events,
              gint64      id,
              gint64      chat_id,
              gint64      sender_id,
              const char *text)
{
  g_autofree char *json = g_strdup_printf ("{\"id\": %" G_GINT64_FORMAT ", \"chat_id\": %" G_GINT64_FORMAT
                                           ", \"sender_id\": %" G_GINT64_FORMAT ", \"text\": \"%s\","
                                           " \"deleted\": false, \"attachments\": []}",
                                           id, chat_id, sender_id, text);
  g_autoptr(JsonNode) node = json_from_string (json, NULL);

  g_assert_nonnull (node);
  g_signal_emit_by_name (events, "applied", "message.created", id, node);
  iterate (100);
}

static void
test_notifier (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(ZvEvents) events = zv_events_new (f->account);
  g_autoptr(ZvNotifier) notifier = zv_notifier_new (f->account, events);
  g_autoptr(GSettings) settings = g_settings_new (SETTINGS_SCHEMA_ID);
  g_autofree char *summary = NULL;
  g_autofree char *body = NULL;
  g_autoptr(GError) error = NULL;
  guint count = 0;

  g_assert_cmpuint (zv_notifier_get_unread_total (notifier), ==, 3);
  clear_calls ();

  /* Unfocused: a message from Boris in the direct chat. */
  emit_message (events, 50, 10, 2, "Документы готовы");
  g_assert_true (last_notify (&summary, &body, &count));
  g_assert_cmpuint (count, ==, 1);
  g_assert_cmpstr (summary, ==, "Борис Петров");
  g_assert_cmpstr (body, ==, "Документы готовы");
  g_clear_pointer (&summary, g_free);
  g_clear_pointer (&body, g_free);

  /* In a group the chat is named too; markup in the text is shown as text. */
  emit_message (events, 51, 11, 4, "a <b> c");
  g_assert_true (last_notify (&summary, &body, &count));
  g_assert_cmpuint (count, ==, 2);
  g_assert_nonnull (strstr (summary, "John Carter"));
  g_assert_nonnull (strstr (summary, "Продажи"));
  g_assert_cmpstr (body, ==, "a &lt;b&gt; c");
  g_clear_pointer (&summary, g_free);
  g_clear_pointer (&body, g_free);

  /* Previews off: who, but not what. */
  g_settings_set_boolean (settings, "notification-previews", FALSE);
  emit_message (events, 52, 12, 3, "Секретная сумма");
  g_assert_true (last_notify (&summary, &body, &count));
  g_assert_cmpuint (count, ==, 3);
  g_assert_nonnull (strstr (summary, "Вера Иванова"));
  g_assert_null (strstr (body, "Секретная"));
  g_assert_cmpstr (body, ==, _("New message"));
  g_clear_pointer (&summary, g_free);
  g_clear_pointer (&body, g_free);
  g_settings_set_boolean (settings, "notification-previews", TRUE);

  /* Silent: one's own message, a focused window, do-not-disturb, notifications off. */
  emit_message (events, 53, 10, 1, "моё");
  zv_notifier_set_window_focused (notifier, TRUE);
  emit_message (events, 54, 10, 2, "пока окно в фокусе");
  zv_notifier_set_window_focused (notifier, FALSE);
  zv_notifier_set_do_not_disturb (notifier, TRUE);
  emit_message (events, 55, 10, 2, "не беспокоить");
  zv_notifier_set_do_not_disturb (notifier, FALSE);
  g_settings_set_boolean (settings, "notifications", FALSE);
  emit_message (events, 56, 10, 2, "выключены");
  g_settings_set_boolean (settings, "notifications", TRUE);
  g_signal_emit_by_name (events, "applied", "message.updated", (gint64) 57, NULL);
  g_assert_true (last_notify (&summary, &body, &count));
  g_assert_cmpuint (count, ==, 3);
  g_clear_pointer (&summary, g_free);
  g_clear_pointer (&body, g_free);

  /* A muted chat stays silent; a pinned one is like any other; unmuted, it speaks again. */
  g_assert_true (zv_store_write_sync (zv_account_get_store (f->account), sql_write,
                                      (gpointer) "UPDATE chats SET muted = 1 WHERE id = 10; "
                                                 "UPDATE chats SET pinned = 1 WHERE id = 11;", &error));
  g_assert_no_error (error);
  emit_message (events, 58, 10, 2, "в заглушённом чате");
  g_assert_true (last_notify (&summary, &body, &count));
  g_assert_cmpuint (count, ==, 3);
  g_clear_pointer (&summary, g_free);
  g_clear_pointer (&body, g_free);
  emit_message (events, 59, 11, 4, "в закреплённом чате");
  g_assert_true (last_notify (&summary, &body, &count));
  g_assert_cmpuint (count, ==, 4);
  g_assert_cmpstr (body, ==, "в закреплённом чате");
  g_clear_pointer (&summary, g_free);
  g_clear_pointer (&body, g_free);
  g_assert_true (zv_store_write_sync (zv_account_get_store (f->account), sql_write,
                                      (gpointer) "UPDATE chats SET muted = 0 WHERE id = 10;", &error));
  g_assert_no_error (error);
  emit_message (events, 60, 10, 2, "снова слышно");
  g_assert_true (last_notify (&summary, &body, &count));
  g_assert_cmpuint (count, ==, 5);
  g_assert_cmpstr (body, ==, "снова слышно");
  g_clear_pointer (&summary, g_free);
  g_clear_pointer (&body, g_free);

  /* The unread total follows the cache. */
  g_assert_true (zv_store_write_sync (zv_account_get_store (f->account), sql_write,
                                      (gpointer) "UPDATE chats SET unread = 7 WHERE id = 12;", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (zv_notifier_get_unread_total (notifier), ==, 10);
}

/* Month and weekday names follow the UI language from our catalogue, in every place a date shows
 * (the C locale, the only one here, would say "Nov" in a Russian UI). */
static void
test_dates (void)
{
  gboolean ru = g_str_has_prefix (lang (), "ru");
  g_autoptr(GDateTime) when = g_date_time_new_local (2026, 11, 5, 14, 30, 0);   /* a Thursday */
  g_autoptr(GDateTime) now = g_date_time_new_local (2026, 11, 28, 12, 0, 0);
  g_autofree char *abbreviated = zv_format_date (when, "%-d %b");
  g_autofree char *full = zv_format_date (when, "%-d %B %Y");
  g_autofree char *weekday = zv_format_date (when, "%a, %A");
  g_autofree char *percent = zv_format_date (when, "%%b %b");
  g_autofree char *chat_list = zv_chat_row_format_time (g_date_time_to_unix (when) * 1000, now);

  g_assert_cmpstr (abbreviated, ==, ru ? "5 нояб." : "5 Nov");
  g_assert_cmpstr (full, ==, ru ? "5 ноября 2026" : "5 November 2026");
  g_assert_cmpstr (weekday, ==, ru ? "Чт, Четверг" : "Thu, Thursday");
  /* An escaped %% stays a percent sign, not a month. */
  g_assert_cmpstr (percent, ==, ru ? "%b нояб." : "%b Nov");
  g_assert_cmpstr (chat_list, ==, ru ? "5 нояб." : "5 Nov");
}

int
main (int   argc,
      char *argv[])
{
  const char *localedir = g_getenv ("ZVENO_LOCALEDIR");

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL && *localedir != '\0' ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  g_set_application_name ("Zveno");
  /* What AdwApplication does for the app: our icons live in the resource. */
  gtk_icon_theme_add_resource_path (gtk_icon_theme_get_for_display (gdk_display_get_default ()),
                                    "/org/zveno/Zveno/icons");

  g_test_add ("/widgets/contacts", Fixture, NULL, fixture_set_up, test_contacts, fixture_tear_down);
  g_test_add ("/widgets/search", Fixture, NULL, fixture_set_up, test_search, fixture_tear_down);
  g_test_add ("/widgets/search-paging", Fixture, NULL, fixture_set_up, test_search_paging, fixture_tear_down);
  g_test_add ("/widgets/notifier", Fixture, NULL, fixture_set_up, test_notifier, fixture_tear_down);
  g_test_add_func ("/widgets/dates", test_dates);
  return g_test_run ();
}
