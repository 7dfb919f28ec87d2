/* zv-incoming-call.c: ZvIncomingCall, the in-app ringing banner.
 *
 * Revealed while ZvPhone:incoming-call is set: who calls (name and card once known, else the
 * number) with Decline and Answer, the same two choices as the desktop notification. Answer emits
 * ::answered after answering so the window shows the call. A second call while one is in progress
 * (call waiting) says so and offers Decline, End and Answer, and Hold and Answer.
 */
#define G_LOG_DOMAIN "zveno"

#include "config.h"

#include <glib/gi18n.h>

#include "zv-incoming-call.h"

struct _ZvIncomingCall
{
  AdwBin         parent_instance;

  /* owned */
  ZvPhone       *phone;
  GSignalGroup  *phone_signals;

  /* borrowed: template children */
  GtkRevealer   *revealer;
  GtkBox        *layout_box;
  GtkLabel      *title_label;
  GtkLabel      *subtitle_label;
  GtkButton     *answer_button;
  GtkButton     *end_answer_button;
};

G_DEFINE_FINAL_TYPE (ZvIncomingCall, zv_incoming_call, ADW_TYPE_BIN)

enum {
  ANSWERED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
update (ZvIncomingCall *self)
{
  ZvCall *call = self->phone != NULL ? zv_phone_get_incoming_call (self->phone) : NULL;
  g_autofree char *title = NULL;
  g_autofree char *subtitle = NULL;
  const char *name, *detail, *number;
  gboolean waiting;

  gtk_revealer_set_reveal_child (self->revealer, call != NULL);
  if (call == NULL)
    return;
  waiting = zv_phone_is_call_waiting (self->phone);
  /* Three buttons beside the title leave it no room (in Russian not even for the name): they go
   * under it, at the end, for a second call. */
  gtk_orientable_set_orientation (GTK_ORIENTABLE (self->layout_box),
                                  waiting ? GTK_ORIENTATION_VERTICAL : GTK_ORIENTATION_HORIZONTAL);
  name = zv_phone_call_get_name (call);
  detail = zv_phone_call_get_detail (call);
  number = zv_phone_call_get_number (call);
  if (waiting)
    /* Translators: call waiting: %s calls while another call is in progress. */
    title = g_strdup_printf (_("Second call from %s"), name != NULL ? name : number);
  else
    title = g_strdup_printf (_("Incoming call from %s"), name != NULL ? name : number);
  gtk_button_set_label (self->answer_button, waiting ? _("Hold and Answer") : _("Answer"));
  /* Only with a call in the foreground: a held one alone stays held by a plain Answer. */
  gtk_widget_set_visible (GTK_WIDGET (self->end_answer_button), waiting && zv_phone_get_call (self->phone) != NULL);
  if (name != NULL)
    subtitle = detail != NULL ? g_strdup_printf (_("%s · %s"), detail, number) : g_strdup (number);
  gtk_label_set_label (self->title_label, title);
  gtk_label_set_label (self->subtitle_label, subtitle != NULL ? subtitle : "");
  gtk_widget_set_visible (GTK_WIDGET (self->subtitle_label), subtitle != NULL);
}

static void
answer_clicked_cb (ZvIncomingCall *self)
{
  g_autoptr(GError) error = NULL;

  if (self->phone == NULL)
    return;
  if (!zv_phone_answer (self->phone, &error))
    g_debug ("incoming call: answer failed: %s", error->message);
  g_signal_emit (self, signals[ANSWERED], 0);
}

static void
end_answer_clicked_cb (ZvIncomingCall *self)
{
  g_autoptr(GError) error = NULL;

  if (self->phone == NULL)
    return;
  if (!zv_phone_end_and_answer (self->phone, &error))
    g_debug ("incoming call: end and answer failed: %s", error->message);
  g_signal_emit (self, signals[ANSWERED], 0);
}

static void
decline_clicked_cb (ZvIncomingCall *self)
{
  if (self->phone != NULL)
    zv_phone_decline (self->phone);
}

void
zv_incoming_call_set_phone (ZvIncomingCall *self,
                            ZvPhone        *phone)
{
  g_return_if_fail (ZV_IS_INCOMING_CALL (self));

  if (!g_set_object (&self->phone, phone))
    return;
  g_signal_group_set_target (self->phone_signals, phone);
  update (self);
}

static void
zv_incoming_call_dispose (GObject *object)
{
  ZvIncomingCall *self = ZV_INCOMING_CALL (object);

  if (self->phone_signals != NULL)
    g_signal_group_set_target (self->phone_signals, NULL);
  g_clear_object (&self->phone_signals);
  g_clear_object (&self->phone);
  /* AdwBin unparents the template root itself; gtk_widget_dispose_template() would do it twice. */

  G_OBJECT_CLASS (zv_incoming_call_parent_class)->dispose (object);
}

static void
zv_incoming_call_class_init (ZvIncomingCallClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = zv_incoming_call_dispose;

  signals[ANSWERED] = g_signal_new ("answered", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                    NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, APPLICATION_PATH "/zv-incoming-call.ui");
  gtk_widget_class_bind_template_child (widget_class, ZvIncomingCall, revealer);
  gtk_widget_class_bind_template_child (widget_class, ZvIncomingCall, layout_box);
  gtk_widget_class_bind_template_child (widget_class, ZvIncomingCall, title_label);
  gtk_widget_class_bind_template_child (widget_class, ZvIncomingCall, subtitle_label);
  gtk_widget_class_bind_template_child (widget_class, ZvIncomingCall, answer_button);
  gtk_widget_class_bind_template_child (widget_class, ZvIncomingCall, end_answer_button);
  gtk_widget_class_bind_template_callback (widget_class, end_answer_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, answer_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, decline_clicked_cb);
}

static void
zv_incoming_call_init (ZvIncomingCall *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->phone_signals = g_signal_group_new (ZV_TYPE_PHONE);
  g_signal_group_connect_swapped (self->phone_signals, "notify::incoming-call", G_CALLBACK (update), self);
  g_signal_group_connect_swapped (self->phone_signals, "peer-changed", G_CALLBACK (update), self);
  g_signal_group_connect_swapped (self->phone_signals, "notify::call", G_CALLBACK (update), self);
  g_signal_group_connect_swapped (self->phone_signals, "notify::held-call", G_CALLBACK (update), self);
}
