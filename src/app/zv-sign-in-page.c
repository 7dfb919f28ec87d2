/* zv-sign-in-page.c: ZvSignInPage: the sign-in form (server or work e-mail, login, password), the
 * reasons a sign-in failed in words that say what to do, and the first sync's progress.
 *
 * An IT profile that presets account.server fills the server in; a locked preset hides the row,
 * since nobody can change it anyway.
 */
#define G_LOG_DOMAIN "zveno"

#include "config.h"

#include <glib/gi18n.h>

#include "zv-error.h"
#include "zv-sign-in-page.h"

struct _ZvSignInPage
{
  AdwBin         parent_instance;

  /* owned */
  ZvSession     *session;
  GCancellable  *cancellable;

  /* borrowed: template children */
  GtkStack      *stack;
  GtkRevealer   *error_revealer;
  GtkLabel      *error_label;
  AdwEntryRow   *server_row;
  AdwEntryRow   *login_row;
  AdwEntryRow   *password_row;
  GtkLabel      *locked_label;
  GtkButton     *sign_in_button;
  GtkSpinner    *spinner;
  GtkProgressBar *progress_bar;
  GtkLabel      *progress_label;
};

G_DEFINE_FINAL_TYPE (ZvSignInPage, zv_sign_in_page, ADW_TYPE_BIN)

/**
 * zv_sign_in_page_describe_error:
 *
 * Returns: what went wrong and what to do about it, in the user's language.
 */
char *
zv_sign_in_page_describe_error (const GError *error)
{
  g_return_val_if_fail (error != NULL, NULL);

  if (error->domain != ZV_API_ERROR)
    return g_strdup (error->message);

  switch ((ZvApiError) error->code)
    {
    case ZV_API_ERROR_INVALID_CREDENTIALS:
      return g_strdup (_("Wrong login or password. Check them and try again; if you forgot the password, your IT department can reset it."));
    case ZV_API_ERROR_ACCOUNT_DISABLED:
      return g_strdup (_("This account is disabled. Ask your IT department to enable it again."));
    case ZV_API_ERROR_DEVICE_REVOKED:
      return g_strdup (_("This computer was removed from your account. Ask your IT department to allow it again."));
    case ZV_API_ERROR_NETWORK:
      /* The core's text says which: unreachable, no answer in time, or a certificate that is not
       * trusted (then IT has to provide the company certificate). */
      return g_strdup_printf (_("%s.\nCheck the server address and your network connection. If the certificate is not trusted, ask your IT department for the company certificate."),
                              error->message);
    case ZV_API_ERROR_NOT_FOUND:
    case ZV_API_ERROR_INVALID_RESPONSE:
      return g_strdup (_("No Zveno server answers at this address. Check the address, or ask your IT department for it."));
    case ZV_API_ERROR_RATE_LIMITED:
      return g_strdup (_("Too many sign-in attempts. Wait a minute and try again."));
    case ZV_API_ERROR_INTERNAL:
    case ZV_API_ERROR_UNAVAILABLE:
      return g_strdup (_("The server has a problem right now. Try again in a few minutes."));
    case ZV_API_ERROR_BAD_REQUEST:
    case ZV_API_ERROR_UNAUTHORIZED:
    case ZV_API_ERROR_TOKEN_EXPIRED:
    case ZV_API_ERROR_FORBIDDEN:
    case ZV_API_ERROR_METHOD_NOT_ALLOWED:
    case ZV_API_ERROR_CONFLICT:
    case ZV_API_ERROR_TOO_LARGE:
    case ZV_API_ERROR_UNSUPPORTED_MEDIA:
    case ZV_API_ERROR_POLICY_VIOLATION:
    case ZV_API_ERROR_RANGE_NOT_SATISFIABLE:
    case ZV_API_ERROR_RESYNC_REQUIRED:
    case ZV_API_ERROR_UNKNOWN:
    default:
      return g_strdup (error->message);
    }
}

static void
show_error (ZvSignInPage *self,
            const char   *message)
{
  gtk_label_set_label (self->error_label, message != NULL ? message : "");
  gtk_revealer_set_reveal_child (self->error_revealer, message != NULL);
}

static const char *
server_text (ZvSignInPage *self)
{
  return gtk_editable_get_text (GTK_EDITABLE (self->server_row));
}

static void
form_changed_cb (ZvSignInPage *self)
{
  gboolean complete;

  complete = *server_text (self) != '\0' &&
             *gtk_editable_get_text (GTK_EDITABLE (self->login_row)) != '\0' &&
             *gtk_editable_get_text (GTK_EDITABLE (self->password_row)) != '\0';
  gtk_widget_set_sensitive (GTK_WIDGET (self->sign_in_button), complete);
}

static void
row_activated_cb (ZvSignInPage *self)
{
  /* Enter in a field moves on to the next empty one, and signs in once all are filled. */
  if (*server_text (self) == '\0')
    gtk_widget_grab_focus (GTK_WIDGET (self->server_row));
  else if (*gtk_editable_get_text (GTK_EDITABLE (self->login_row)) == '\0')
    gtk_widget_grab_focus (GTK_WIDGET (self->login_row));
  else if (*gtk_editable_get_text (GTK_EDITABLE (self->password_row)) == '\0')
    gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
  else if (gtk_widget_get_sensitive (GTK_WIDGET (self->sign_in_button)))
    gtk_widget_activate (GTK_WIDGET (self->sign_in_button));
}

static void
signed_in_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(ZvSignInPage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!zv_session_sign_in_finish (ZV_SESSION (object), result, &error))
    {
      g_autofree char *message = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      message = zv_sign_in_page_describe_error (error);
      show_error (self, message);
      if (error->domain == ZV_API_ERROR && error->code == ZV_API_ERROR_INVALID_CREDENTIALS)
        {
          gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
          gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
        }
      return;
    }
  /* The password is not needed any more; never keep it in a widget. */
  gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
}

static void
sign_in_cb (ZvSignInPage *self)
{
  g_autofree char *address = NULL;
  g_autofree char *login = NULL;

  if (self->session == NULL || zv_session_get_state (self->session) != ZV_SESSION_STATE_SIGNED_OUT)
    return;
  if (!gtk_widget_get_sensitive (GTK_WIDGET (self->sign_in_button)))
    {
      row_activated_cb (self);
      return;
    }

  address = g_strstrip (g_strdup (server_text (self)));
  login = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->login_row))));
  show_error (self, NULL);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  zv_session_sign_in_async (self->session, address, login,
                            gtk_editable_get_text (GTK_EDITABLE (self->password_row)),
                            self->cancellable, signed_in_cb, g_object_ref (self));
}

static void
sync_progress_cb (ZvSignInPage *self)
{
  const ZvSyncStats *stats = zv_session_get_sync_stats (self->session);
  g_autofree char *chats = NULL;
  g_autofree char *text = NULL;

  if (stats == NULL)
    return;
  /* The server does not say how much is left, so the bar moves with each page written and the
   * label counts what has arrived. */
  gtk_progress_bar_pulse (self->progress_bar);
  chats = g_strdup_printf (g_dngettext (NULL, "%u chat", "%u chats", stats->chats), stats->chats);
  text = g_strdup_printf (g_dngettext (NULL, "%s, %u message", "%s, %u messages", stats->messages),
                          chats, stats->messages);
  gtk_label_set_label (self->progress_label, text);
}

static void
session_state_cb (ZvSignInPage *self)
{
  ZvSessionState state = zv_session_get_state (self->session);
  gboolean busy = state == ZV_SESSION_STATE_SIGNING_IN;

  gtk_stack_set_visible_child_name (self->stack, state == ZV_SESSION_STATE_SYNCING ? "sync" : "form");
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  gtk_spinner_set_spinning (self->spinner, busy);
  /* The fields stay sensitive while signing in: GTK 4.8 loses track of the focus when the focused
   * entry turns insensitive. sign_in_cb ignores a second attempt. */
  if (state == ZV_SESSION_STATE_SYNCING)
    {
      gtk_progress_bar_set_fraction (self->progress_bar, 0.0);
      gtk_label_set_label (self->progress_label, _("Connecting…"));
    }
  form_changed_cb (self);
}

static void
apply_profile (ZvSignInPage *self)
{
  ZvProfile *profile = zv_session_get_profile (self->session);
  const char *server = zv_profile_get_string (profile, "account.server");
  const char *login = zv_profile_get_string (profile, "account.login");

  if (server != NULL && *server != '\0')
    {
      gtk_editable_set_text (GTK_EDITABLE (self->server_row), server);
      if (zv_profile_is_locked (profile, "account.server"))
        {
          g_autofree char *text = g_strdup_printf (_("Your organisation set the server to %s."), server);

          gtk_widget_set_visible (GTK_WIDGET (self->server_row), FALSE);
          gtk_label_set_label (self->locked_label, text);
          gtk_widget_set_visible (GTK_WIDGET (self->locked_label), TRUE);
        }
    }
  if (login != NULL && *login != '\0')
    {
      gtk_editable_set_text (GTK_EDITABLE (self->login_row), login);
      gtk_widget_set_sensitive (GTK_WIDGET (self->login_row), !zv_profile_is_locked (profile, "account.login"));
    }
}

void
zv_sign_in_page_set_session (ZvSignInPage *self,
                             ZvSession    *session)
{
  g_return_if_fail (ZV_IS_SIGN_IN_PAGE (self));
  g_return_if_fail (ZV_IS_SESSION (session));
  g_return_if_fail (self->session == NULL);

  self->session = g_object_ref (session);
  g_signal_connect_object (session, "notify::state", G_CALLBACK (session_state_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (session, "sync-progress", G_CALLBACK (sync_progress_cb), self, G_CONNECT_SWAPPED);
  apply_profile (self);
  session_state_cb (self);
}

static gboolean
zv_sign_in_page_grab_focus (GtkWidget *widget)
{
  ZvSignInPage *self = ZV_SIGN_IN_PAGE (widget);

  if (gtk_widget_get_visible (GTK_WIDGET (self->server_row)) && *server_text (self) == '\0')
    return gtk_widget_grab_focus (GTK_WIDGET (self->server_row));
  if (*gtk_editable_get_text (GTK_EDITABLE (self->login_row)) == '\0')
    return gtk_widget_grab_focus (GTK_WIDGET (self->login_row));
  return gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
}

static void
zv_sign_in_page_dispose (GObject *object)
{
  ZvSignInPage *self = ZV_SIGN_IN_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->session);
  /* AdwBin unparents the template root itself; gtk_widget_dispose_template() would do it twice. */

  G_OBJECT_CLASS (zv_sign_in_page_parent_class)->dispose (object);
}

static void
zv_sign_in_page_class_init (ZvSignInPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = zv_sign_in_page_dispose;
  widget_class->grab_focus = zv_sign_in_page_grab_focus;

  gtk_widget_class_set_template_from_resource (widget_class, APPLICATION_PATH "/zv-sign-in-page.ui");
  gtk_widget_class_bind_template_child (widget_class, ZvSignInPage, stack);
  gtk_widget_class_bind_template_child (widget_class, ZvSignInPage, error_revealer);
  gtk_widget_class_bind_template_child (widget_class, ZvSignInPage, error_label);
  gtk_widget_class_bind_template_child (widget_class, ZvSignInPage, server_row);
  gtk_widget_class_bind_template_child (widget_class, ZvSignInPage, login_row);
  gtk_widget_class_bind_template_child (widget_class, ZvSignInPage, password_row);
  gtk_widget_class_bind_template_child (widget_class, ZvSignInPage, locked_label);
  gtk_widget_class_bind_template_child (widget_class, ZvSignInPage, sign_in_button);
  gtk_widget_class_bind_template_child (widget_class, ZvSignInPage, spinner);
  gtk_widget_class_bind_template_child (widget_class, ZvSignInPage, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, ZvSignInPage, progress_label);
  gtk_widget_class_bind_template_callback (widget_class, form_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, sign_in_cb);
}

static void
zv_sign_in_page_init (ZvSignInPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
