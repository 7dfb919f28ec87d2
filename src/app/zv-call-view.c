/* zv-call-view.c: ZvCallView, the in-call view.
 *
 * Follows ZvPhone:call: the person (the directory's or the CRM's card, as ZvPhone learns it), the
 * number, the state ("Calling…", "Ringing…", then the duration ticking once a second) and Hang Up.
 * When the call ends the view stays with a notes field for it: the notes go to the backend
 * (POST /calls/{id}/notes, the CRM hook) and "Done" returns to the dial pad. The "showing" property
 * tells the window whether there is anything to show.
 *
 * With two calls (ZvPhone:held-call) the held one is a compact row on top whose Resume swaps the
 * two, and Transfer offers the other call (attended transfer) next to a typed number. Add Call
 * asks the window for the dial pad (::add-call); dialling there holds this call. The sound menu
 * lists the speakers and microphones with the call's own checked, and switches the running call;
 * when a device in use is unplugged the call moves to the default and the view says so.
 */
#define G_LOG_DOMAIN "zveno"

#include "config.h"

#include <glib/gi18n.h>

#include "zv-call-view.h"

struct _ZvCallView
{
  AdwBin         parent_instance;

  /* owned */
  ZvPhone       *phone;
  ZvCall        *call;           /* shown: in progress, or ended with notes to write */
  GSignalGroup  *phone_signals;
  GSignalGroup  *call_signals;
  GCancellable  *cancellable;
  guint          tick_id;
  gboolean       syncing;       /* setting the toggles from the call, not from a click */
  gboolean       showing;

  /* borrowed: template children */
  AdwAvatar     *avatar;
  GtkLabel      *name_label;
  GtkLabel      *detail_label;
  GtkLabel      *number_label;
  GtkLabel      *state_label;
  GtkLabel      *quality_label;
  GtkWidget     *controls;
  GtkWidget     *call_buttons;
  GtkToggleButton *mute_button;
  GtkToggleButton *hold_button;
  GtkToggleButton *keypad_button;
  GtkGrid       *keypad;
  GtkMenuButton *transfer_button;
  GtkPopover    *transfer_popover;
  GtkEntry      *transfer_entry;
  GtkLabel      *transfer_error;
  GtkLabel      *control_error;
  GtkButton     *hangup_button;
  GtkWidget     *notes_box;
  GtkTextView   *notes_view;
  GtkButton     *save_button;
  GtkLabel      *notes_status;
  GtkWidget     *held_box;
  GtkWidget     *merge_button;
  GtkLabel      *held_name_label;
  GtkLabel      *held_state_label;
  GtkButton     *add_call_button;
  GtkButton     *transfer_other_button;
  GtkLabel      *transfer_other_label;
  GtkLabel      *transfer_or_label;
  GtkPopover    *audio_popover;
  GtkBox        *audio_box;
};

G_DEFINE_FINAL_TYPE (ZvCallView, zv_call_view, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_SHOWING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  ADD_CALL,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void update_held (ZvCallView *self);

static char *
format_duration (gint64 seconds)
{
  if (seconds >= 3600)
    return g_strdup_printf ("%" G_GINT64_FORMAT ":%02d:%02d", seconds / 3600, (int) (seconds / 60 % 60), (int) (seconds % 60));
  return g_strdup_printf ("%02d:%02d", (int) (seconds / 60), (int) (seconds % 60));
}

static const char *call_display_name (ZvCall *call);

/* A conference: "Conference" and both names instead of one peer. */
static gboolean
update_conference_peer (ZvCallView *self)
{
  ZvConference *conference = self->phone != NULL ? zv_phone_get_conference (self->phone) : NULL;
  g_autofree char *names = NULL;
  ZvCall *first, *second;

  if (conference == NULL)
    return FALSE;
  first = zv_conference_get_call (conference, 0);
  second = zv_conference_get_call (conference, 1);

  /* In the order they were answered: the one we were talking to first comes first. */
  if (zv_phone_call_get_answered_at (second) < zv_phone_call_get_answered_at (first))
    {
      ZvCall *swap = first;

      first = second;
      second = swap;
    }
  /* Translators: the two other people in a three-way conference call. */
  names = g_strdup_printf (_("%s and %s"), call_display_name (first), call_display_name (second));
  gtk_label_set_label (self->name_label, _("Conference"));
  gtk_label_set_label (self->detail_label, names);
  gtk_widget_set_visible (GTK_WIDGET (self->detail_label), TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->number_label), FALSE);
  adw_avatar_set_text (self->avatar, "");
  adw_avatar_set_show_initials (self->avatar, FALSE);
  adw_avatar_set_icon_name (self->avatar, "system-users-symbolic");
  return TRUE;
}

static void
update_peer (ZvCallView *self)
{
  const char *name, *detail, *number;

  if (self->call == NULL)
    return;
  adw_avatar_set_icon_name (self->avatar, NULL);
  if (update_conference_peer (self))
    return;
  name = zv_phone_call_get_name (self->call);
  detail = zv_phone_call_get_detail (self->call);
  number = zv_phone_call_get_number (self->call);
  gtk_label_set_label (self->name_label, name != NULL ? name : number);
  gtk_label_set_label (self->detail_label, detail != NULL ? detail : "");
  gtk_widget_set_visible (GTK_WIDGET (self->detail_label), detail != NULL);
  gtk_label_set_label (self->number_label, number);
  gtk_widget_set_visible (GTK_WIDGET (self->number_label), name != NULL);
  adw_avatar_set_text (self->avatar, name != NULL ? name : "");
  adw_avatar_set_show_initials (self->avatar, name != NULL);
}

static void
update_state (ZvCallView *self)
{
  g_autofree char *text = NULL;
  gint64 answered;

  if (self->call == NULL)
    return;
  answered = zv_phone_call_get_answered_at (self->call);
  switch (zv_call_get_state (self->call))
    {
    case ZV_CALL_STATE_NEW:
    case ZV_CALL_STATE_CALLING:
      text = g_strdup (_("Calling…"));
      break;
    case ZV_CALL_STATE_RINGING:
      text = g_strdup (zv_call_is_incoming (self->call) ? _("Incoming call") : _("Ringing…"));
      break;
    case ZV_CALL_STATE_ACTIVE:
      {
        g_autofree char *duration = format_duration ((g_get_real_time () / 1000 - answered) / 1000);

        if (zv_call_is_on_hold (self->call))
          /* Translators: %s is the call's duration so far, e.g. 02:15. */
          text = g_strdup_printf (_("On hold · %s"), duration);
        else if (zv_call_is_remote_hold (self->call))
          /* Translators: %s is the call's duration so far, e.g. 02:15. */
          text = g_strdup_printf (_("Held by the other side · %s"), duration);
        else
          text = g_steal_pointer (&duration);
      }
      break;
    case ZV_CALL_STATE_ENDED:
    default:
      {
        const GError *error = zv_call_get_error (self->call);
        g_autofree char *duration = answered > 0 ? format_duration (zv_call_get_duration_us (self->call) / G_USEC_PER_SEC) : NULL;

        if (error != NULL && answered == 0)
          text = g_strdup (error->message);
        else if (duration != NULL)
          /* Translators: %s is how long the call lasted, e.g. 02:15. */
          text = g_strdup_printf (_("Call ended · %s"), duration);
        else
          text = g_strdup (_("Call ended"));
      }
      break;
    }
  gtk_label_set_label (self->state_label, text);
}

/* The quality indicator: the MOS estimate in words a caller understands. */
static void
update_quality (ZvCallView *self)
{
  double mos = self->call != NULL ? zv_phone_call_get_quality (self->call) : 0;
  g_autofree char *text = NULL;

  gtk_widget_set_visible (GTK_WIDGET (self->quality_label), mos > 0);
  if (mos <= 0)
    return;
  gtk_widget_remove_css_class (GTK_WIDGET (self->quality_label), "success");
  gtk_widget_remove_css_class (GTK_WIDGET (self->quality_label), "warning");
  gtk_widget_remove_css_class (GTK_WIDGET (self->quality_label), "error");
  if (mos >= 4.0)
    {
      /* Translators: the call's sound quality; %.1f is a MOS score from 1 to 4.5. */
      text = g_strdup_printf (_("Good sound (MOS %.1f)"), mos);
      gtk_widget_add_css_class (GTK_WIDGET (self->quality_label), "success");
    }
  else if (mos >= 3.3)
    {
      text = g_strdup_printf (_("Fair sound (MOS %.1f)"), mos);
      gtk_widget_add_css_class (GTK_WIDGET (self->quality_label), "warning");
    }
  else
    {
      text = g_strdup_printf (_("Poor sound (MOS %.1f)"), mos);
      gtk_widget_add_css_class (GTK_WIDGET (self->quality_label), "error");
    }
  gtk_label_set_label (self->quality_label, text);
}

/* Mute, hold and the rest only once the call is answered; the toggles follow the call. */
static void
update_controls (ZvCallView *self)
{
  gboolean active = self->call != NULL && zv_call_get_state (self->call) == ZV_CALL_STATE_ACTIVE;

  gtk_widget_set_visible (self->call_buttons, active);
  if (!active)
    {
      gtk_toggle_button_set_active (self->keypad_button, FALSE);
      return;
    }
  self->syncing = TRUE;
  gtk_toggle_button_set_active (self->mute_button, zv_call_get_muted (self->call));
  gtk_toggle_button_set_active (self->hold_button, zv_call_is_on_hold (self->call));
  self->syncing = FALSE;
}

static void
show_control_error (ZvCallView   *self,
                    const GError *error)
{
  gtk_label_set_label (self->control_error, error != NULL ? error->message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->control_error), error != NULL);
}

static void
mute_toggled_cb (ZvCallView *self)
{
  if (self->syncing || self->call == NULL)
    return;
  zv_call_set_muted (self->call, gtk_toggle_button_get_active (self->mute_button));
}

static void
hold_toggled_cb (ZvCallView *self)
{
  g_autoptr(GError) error = NULL;
  ZvConference *conference;
  gboolean hold, done;

  if (self->syncing || self->call == NULL)
    return;
  hold = gtk_toggle_button_get_active (self->hold_button);
  conference = self->phone != NULL ? zv_phone_get_conference (self->phone) : NULL;
  /* In a conference Hold holds both far ends. */
  if (conference != NULL)
    done = hold ? zv_conference_hold (conference, &error) : zv_conference_resume (conference, &error);
  else
    done = hold ? zv_call_hold (self->call, &error) : zv_call_resume (self->call, &error);
  if (!done)
    {
      show_control_error (self, error);
      update_controls (self);
      return;
    }
  show_control_error (self, NULL);
}

static void
dtmf_clicked_cb (GtkButton  *button,
                 ZvCallView *self)
{
  g_autoptr(GError) error = NULL;

  if (self->call == NULL)
    return;
  if (!zv_call_send_dtmf (self->call, g_object_get_data (G_OBJECT (button), "zv-digit"), &error))
    show_control_error (self, error);
  else
    show_control_error (self, NULL);
}

static void
transfer_cb (ZvCallView *self)
{
  g_autoptr(GError) error = NULL;
  const char *number = gtk_editable_get_text (GTK_EDITABLE (self->transfer_entry));

  if (self->phone == NULL || *number == '\0')
    return;
  if (!zv_phone_transfer (self->phone, number, &error))
    {
      gtk_label_set_label (self->transfer_error, error->message);
      gtk_widget_set_visible (GTK_WIDGET (self->transfer_error), TRUE);
      return;
    }
  gtk_widget_set_visible (GTK_WIDGET (self->transfer_error), FALSE);
  gtk_editable_set_text (GTK_EDITABLE (self->transfer_entry), "");
  gtk_popover_popdown (self->transfer_popover);
}

static gboolean
tick_cb (gpointer user_data)
{
  update_state (user_data);
  update_quality (user_data);
  update_held (user_data);
  return G_SOURCE_CONTINUE;
}

/* Once a second while a duration runs: the call's, or the held call's. */
static void
update_tick (ZvCallView *self)
{
  gboolean active = self->call != NULL && zv_call_get_state (self->call) == ZV_CALL_STATE_ACTIVE;
  gboolean held = self->phone != NULL && zv_phone_get_held_call (self->phone) != NULL;

  if (active || held)
    {
      if (self->tick_id == 0)
        self->tick_id = g_timeout_add_seconds (1, tick_cb, self);
    }
  else
    g_clear_handle_id (&self->tick_id, g_source_remove);
}

static void
sync_showing (ZvCallView *self,
              gboolean    new_call)
{
  gboolean showing = self->call != NULL || (self->phone != NULL && zv_phone_get_held_call (self->phone) != NULL);

  /* A new call while showing is notified too: the window brings the view back from the dial pad
   * that Add Call opened. */
  if (showing == self->showing && !(new_call && showing))
    return;
  self->showing = showing;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOWING]);
}

static const char *
call_display_name (ZvCall *call)
{
  const char *name = zv_phone_call_get_name (call);

  return name != NULL ? name : zv_phone_call_get_number (call);
}

static void
update_held (ZvCallView *self)
{
  ZvCall *held = self->phone != NULL ? zv_phone_get_held_call (self->phone) : NULL;
  gboolean other = held != NULL && self->call != NULL && self->call == zv_phone_get_call (self->phone)
                   && zv_call_get_state (self->call) == ZV_CALL_STATE_ACTIVE;
  gboolean conference = self->phone != NULL && zv_phone_get_conference (self->phone) != NULL;

  /* Merged, the second call is part of the one shown, not a held row. */
  if (conference)
    {
      held = NULL;
      other = FALSE;
    }
  gtk_widget_set_visible (self->held_box, held != NULL);
  gtk_widget_set_visible (self->merge_button, other && zv_call_get_state (held) == ZV_CALL_STATE_ACTIVE);
  gtk_widget_set_visible (GTK_WIDGET (self->add_call_button), held == NULL && !conference);
  gtk_widget_set_visible (GTK_WIDGET (self->transfer_button), !conference);
  gtk_widget_set_visible (GTK_WIDGET (self->transfer_other_button), other);
  gtk_widget_set_visible (GTK_WIDGET (self->transfer_or_label), other);
  if (held == NULL)
    return;
  {
    gint64 answered = zv_phone_call_get_answered_at (held);
    g_autofree char *duration = format_duration (answered > 0 ? (g_get_real_time () / 1000 - answered) / 1000 : 0);
    /* Translators: %s is the held call's duration so far, e.g. 02:15. */
    g_autofree char *state = g_strdup_printf (_("On hold · %s"), duration);

    gtk_label_set_label (self->held_name_label, call_display_name (held));
    gtk_label_set_label (self->held_state_label, state);
  }
  if (other)
    {
      /* Translators: attended transfer: the held caller is put through to the person of the
       * other call, whose name (or number) %s is. */
      g_autofree char *label = g_strdup_printf (_("Transfer to %s"), call_display_name (self->call));

      gtk_label_set_label (self->transfer_other_label, label);
      /* The button's child is an ellipsizing label, which GTK 4.8 does not give the button as its
       * accessible name. */
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->transfer_other_button),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
    }
}

static void
held_changed_cb (ZvCallView *self)
{
  update_held (self);
  update_tick (self);
  sync_showing (self, FALSE);
}

static void
resume_clicked_cb (ZvCallView *self)
{
  g_autoptr(GError) error = NULL;

  if (self->phone == NULL)
    return;
  if (!zv_phone_swap (self->phone, &error))
    show_control_error (self, error);
}

static void
merge_clicked_cb (ZvCallView *self)
{
  g_autoptr(GError) error = NULL;

  if (self->phone == NULL)
    return;
  if (!zv_phone_merge (self->phone, &error))
    show_control_error (self, error);
}

static void
conference_changed_cb (ZvCallView *self)
{
  update_peer (self);
  update_held (self);
  update_controls (self);
}

static void
add_call_clicked_cb (ZvCallView *self)
{
  g_signal_emit (self, signals[ADD_CALL], 0);
}

static void
transfer_other_cb (ZvCallView *self)
{
  g_autoptr(GError) error = NULL;

  if (self->phone == NULL)
    return;
  if (!zv_phone_transfer_to_other (self->phone, &error))
    {
      gtk_label_set_label (self->transfer_error, error->message);
      gtk_widget_set_visible (GTK_WIDGET (self->transfer_error), TRUE);
      return;
    }
  gtk_widget_set_visible (GTK_WIDGET (self->transfer_error), FALSE);
  gtk_popover_popdown (self->transfer_popover);
}

/* ---- the sound menu -------------------------------------------------------------------------------- */

static void
device_toggled_cb (GtkToggleButton *button,
                   ZvCallView      *self)
{
  gboolean active = gtk_toggle_button_get_active (button);
  GtkWidget *check = g_object_get_data (G_OBJECT (button), "zv-check");
  const char *id = g_object_get_data (G_OBJECT (button), "zv-device-id");
  gboolean input = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "zv-input"));
  g_autoptr(GError) error = NULL;
  ZvAudioDevices *devices;

  gtk_widget_set_opacity (check, active ? 1.0 : 0.0);
  if (self->syncing || !active || self->call == NULL || self->phone == NULL)
    return;
  devices = zv_phone_get_audio_devices (self->phone);
  if (!(input ? zv_call_set_input_device (self->call, devices, id, &error)
              : zv_call_set_output_device (self->call, devices, id, &error)))
    show_control_error (self, error);
  else
    show_control_error (self, NULL);
  gtk_popover_popdown (self->audio_popover);
}

static void
add_device_section (ZvCallView *self,
                    const char *title,
                    gboolean    input)
{
  ZvAudioDevices *devices = zv_phone_get_audio_devices (self->phone);
  g_autoptr(GPtrArray) list = zv_phone_list_sound_devices (devices, input);
  g_autofree char *current = input ? zv_call_dup_input_device_id (self->call) : zv_call_dup_output_device_id (self->call);
  GtkWidget *heading = gtk_label_new (title);
  GtkToggleButton *group = NULL;

  gtk_label_set_xalign (GTK_LABEL (heading), 0);
  gtk_widget_add_css_class (heading, "heading");
  gtk_widget_set_margin_start (heading, 6);
  gtk_widget_set_margin_top (heading, 6);
  gtk_box_append (self->audio_box, heading);
  if (list->len == 0)
    {
      GtkWidget *none = gtk_label_new (input ? _("No microphone") : _("No speaker"));

      gtk_label_set_xalign (GTK_LABEL (none), 0);
      gtk_widget_set_margin_start (none, 6);
      gtk_widget_add_css_class (none, "dim-label");
      gtk_box_append (self->audio_box, none);
      return;
    }
  for (guint i = 0; i < list->len; i++)
    {
      g_autofree char *id = zv_audio_device_get_id (list->pdata[i]);
      g_autofree char *name = gst_device_get_display_name (list->pdata[i]);
      GtkWidget *button = gtk_toggle_button_new ();
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
      GtkWidget *check = gtk_image_new_from_icon_name ("object-select-symbolic");
      GtkWidget *label = gtk_label_new (name);

      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
      gtk_label_set_max_width_chars (GTK_LABEL (label), 36);
      gtk_box_append (GTK_BOX (box), check);
      gtk_box_append (GTK_BOX (box), label);
      gtk_button_set_child (GTK_BUTTON (button), box);
      gtk_widget_add_css_class (button, "flat");
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
      if (group != NULL)
        gtk_toggle_button_set_group (GTK_TOGGLE_BUTTON (button), group);
      else
        group = GTK_TOGGLE_BUTTON (button);
      g_object_set_data_full (G_OBJECT (button), "zv-device-id", g_steal_pointer (&id), g_free);
      g_object_set_data (G_OBJECT (button), "zv-input", GINT_TO_POINTER (input));
      g_object_set_data (G_OBJECT (button), "zv-check", check);
      gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (button),
                                    g_strcmp0 (g_object_get_data (G_OBJECT (button), "zv-device-id"), current) == 0);
      gtk_widget_set_opacity (check, gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (button)) ? 1.0 : 0.0);
      g_signal_connect (button, "toggled", G_CALLBACK (device_toggled_cb), self);
      gtk_box_append (self->audio_box, button);
    }
}

/* Filled each time it opens: devices come and go, and the call may have moved. */
static void
audio_popover_show_cb (ZvCallView *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->audio_box))) != NULL)
    gtk_box_remove (self->audio_box, child);
  if (self->call == NULL || self->phone == NULL)
    return;
  self->syncing = TRUE;
  add_device_section (self, _("Speaker"), FALSE);
  add_device_section (self, _("Microphone"), TRUE);
  self->syncing = FALSE;
}

static void
audio_device_lost_cb (ZvCallView *self,
                      const char *message)
{
  g_autoptr(GError) error = g_error_new_literal (ZV_PHONE_APP_ERROR, ZV_PHONE_APP_ERROR_NOT_READY, message);

  show_control_error (self, error);
  if (gtk_widget_get_visible (GTK_WIDGET (self->audio_popover)))
    audio_popover_show_cb (self);
}

static void
call_state_cb (ZvCallView *self)
{
  gboolean ended = self->call != NULL && zv_call_get_state (self->call) == ZV_CALL_STATE_ENDED;

  update_state (self);
  update_controls (self);
  update_held (self);
  update_tick (self);
  if (ended)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->quality_label), FALSE);
      gtk_widget_set_visible (self->controls, FALSE);
      gtk_widget_set_visible (self->notes_box, TRUE);
      gtk_widget_grab_focus (GTK_WIDGET (self->notes_view));
    }
}

static void
show_call (ZvCallView *self,
           ZvCall     *call)
{
  gboolean new_call = call != NULL && call != self->call;

  g_clear_handle_id (&self->tick_id, g_source_remove);
  g_set_object (&self->call, call);
  g_signal_group_set_target (self->call_signals, call);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->notes_view), "", -1);
  gtk_label_set_label (self->notes_status, "");
  gtk_widget_set_sensitive (GTK_WIDGET (self->save_button), TRUE);
  gtk_widget_set_visible (self->controls, call != NULL);
  gtk_widget_set_visible (self->notes_box, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->quality_label), FALSE);
  show_control_error (self, NULL);
  if (call != NULL)
    {
      update_peer (self);
      call_state_cb (self);
    }
  else
    {
      update_held (self);
      update_tick (self);
    }
  sync_showing (self, new_call);
}

static void
phone_call_cb (ZvCallView *self)
{
  ZvCall *call = zv_phone_get_call (self->phone);

  /* A new call replaces whatever was shown; the end of one keeps it for its notes. */
  if (call != NULL)
    show_call (self, call);
}

static void
call_ended_cb (ZvCallView *self,
               ZvCall     *call)
{
  /* An incoming call that was never answered here has nothing to take notes on. */
  if (call != self->call)
    return;
  call_state_cb (self);
}

static void
peer_changed_cb (ZvCallView *self,
                 ZvCall     *call)
{
  if (call == self->call)
    update_peer (self);
  update_held (self);
}

static void
hangup_clicked_cb (ZvCallView *self)
{
  if (self->phone != NULL)
    zv_phone_hangup (self->phone);
}

static void
done_clicked_cb (ZvCallView *self)
{
  show_call (self, NULL);
}

static void
notes_saved_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(ZvCallView) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!zv_phone_save_notes_finish (ZV_PHONE (object), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      gtk_label_set_label (self->notes_status, error->message);
      gtk_widget_add_css_class (GTK_WIDGET (self->notes_status), "error");
      gtk_widget_set_sensitive (GTK_WIDGET (self->save_button), TRUE);
      return;
    }
  gtk_widget_remove_css_class (GTK_WIDGET (self->notes_status), "error");
  gtk_label_set_label (self->notes_status, _("Notes saved"));
  gtk_widget_set_sensitive (GTK_WIDGET (self->save_button), TRUE);
}

static void
save_clicked_cb (ZvCallView *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->notes_view);
  GtkTextIter start, end;
  g_autofree char *text = NULL;

  if (self->phone == NULL || self->call == NULL)
    return;
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->save_button), FALSE);
  gtk_label_set_label (self->notes_status, _("Saving…"));
  zv_phone_save_notes_async (self->phone, zv_phone_call_get_sip_call_id (self->call), g_strstrip (text),
                             self->cancellable, notes_saved_cb, g_object_ref (self));
}

/**
 * zv_call_view_set_phone:
 * @phone: (nullable): whose calls to show
 */
void
zv_call_view_set_phone (ZvCallView *self,
                        ZvPhone    *phone)
{
  g_return_if_fail (ZV_IS_CALL_VIEW (self));

  if (!g_set_object (&self->phone, phone))
    return;
  g_signal_group_set_target (self->phone_signals, phone);
  show_call (self, phone != NULL ? zv_phone_get_call (phone) : NULL);
}

/* TRUE while a call is in progress or held, or its notes wait to be written. */
gboolean
zv_call_view_is_showing_call (ZvCallView *self)
{
  g_return_val_if_fail (ZV_IS_CALL_VIEW (self), FALSE);
  return self->showing;
}

static void
zv_call_view_dispose (GObject *object)
{
  ZvCallView *self = ZV_CALL_VIEW (object);

  g_clear_handle_id (&self->tick_id, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  if (self->phone_signals != NULL)
    g_signal_group_set_target (self->phone_signals, NULL);
  if (self->call_signals != NULL)
    g_signal_group_set_target (self->call_signals, NULL);
  g_clear_object (&self->phone_signals);
  g_clear_object (&self->call_signals);
  g_clear_object (&self->call);
  g_clear_object (&self->phone);
  g_clear_object (&self->cancellable);
  /* AdwBin unparents the template root itself; gtk_widget_dispose_template() would do it twice. */

  G_OBJECT_CLASS (zv_call_view_parent_class)->dispose (object);
}

static void
zv_call_view_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  ZvCallView *self = ZV_CALL_VIEW (object);

  switch (prop_id)
    {
    case PROP_SHOWING:
      g_value_set_boolean (value, self->showing);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zv_call_view_class_init (ZvCallViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = zv_call_view_dispose;
  object_class->get_property = zv_call_view_get_property;

  properties[PROP_SHOWING] =
    g_param_spec_boolean ("showing", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * ZvCallView::add-call:
   *
   * The user wants a second call: the window shows the dial pad (dialling holds this call).
   */
  signals[ADD_CALL] = g_signal_new ("add-call", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                    NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, APPLICATION_PATH "/zv-call-view.ui");
  gtk_widget_class_bind_template_child (widget_class, ZvCallView, avatar);
  gtk_widget_class_bind_template_child (widget_class, ZvCallView, name_label);
  gtk_widget_class_bind_template_child (widget_class, ZvCallView, detail_label);
  gtk_widget_class_bind_template_child (widget_class, ZvCallView, number_label);
  gtk_widget_class_bind_template_child (widget_class, ZvCallView, state_label);
  gtk_widget_class_bind_template_child (widget_class, ZvCallView, controls);
  gtk_widget_class_bind_template_child (widget_class, ZvCallView, quality_label);
  gtk_widget_class_bind_template_child (widget_class, ZvCallView, call_buttons);
  gtk_widget_class_bind_template_child (widget_class, ZvCallView, mute_button);
  gtk_widget_class_bind_template_child (widget_class, ZvCallView, hold_button);
  gtk_widget_class_bind_template_child (widget_class, ZvCallView, keypad_button);
  gtk_widget_class_bind_template_child (widget_class, ZvCallView, keypad);
  gtk_widget_class_bind_template_child (widget_class, ZvCallView, transfer_button);
  gtk_widget_class_bind_template_child (widget_class, ZvCallView, transfer_popover);
  gtk_widget_class_bind_template_child (widget_class, ZvCallView, transfer_entry);
  gtk_widget_class_bind_template_child (widget_class, ZvCallView, transfer_error);
  gtk_widget_class_bind_template_child (widget_class, ZvCallView, control_error);
  gtk_widget_class_bind_template_callback (widget_class, mute_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, hold_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, merge_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, transfer_cb);
  gtk_widget_class_bind_template_child (widget_class, ZvCallView, hangup_button);
  gtk_widget_class_bind_template_child (widget_class, ZvCallView, notes_box);
  gtk_widget_class_bind_template_child (widget_class, ZvCallView, notes_view);
  gtk_widget_class_bind_template_child (widget_class, ZvCallView, save_button);
  gtk_widget_class_bind_template_child (widget_class, ZvCallView, notes_status);
  gtk_widget_class_bind_template_callback (widget_class, hangup_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, save_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, done_clicked_cb);
  gtk_widget_class_bind_template_child (widget_class, ZvCallView, held_box);
  gtk_widget_class_bind_template_child (widget_class, ZvCallView, merge_button);
  gtk_widget_class_bind_template_child (widget_class, ZvCallView, held_name_label);
  gtk_widget_class_bind_template_child (widget_class, ZvCallView, held_state_label);
  gtk_widget_class_bind_template_child (widget_class, ZvCallView, add_call_button);
  gtk_widget_class_bind_template_child (widget_class, ZvCallView, transfer_other_button);
  gtk_widget_class_bind_template_child (widget_class, ZvCallView, transfer_other_label);
  gtk_widget_class_bind_template_child (widget_class, ZvCallView, transfer_or_label);
  gtk_widget_class_bind_template_callback (widget_class, resume_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, add_call_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, transfer_other_cb);
  gtk_widget_class_bind_template_child (widget_class, ZvCallView, audio_popover);
  gtk_widget_class_bind_template_child (widget_class, ZvCallView, audio_box);
  gtk_widget_class_bind_template_callback (widget_class, audio_popover_show_cb);
}

static void
zv_call_view_init (ZvCallView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->phone_signals = g_signal_group_new (ZV_TYPE_PHONE);
  g_signal_group_connect_swapped (self->phone_signals, "notify::call", G_CALLBACK (phone_call_cb), self);
  g_signal_group_connect_swapped (self->phone_signals, "call-ended", G_CALLBACK (call_ended_cb), self);
  g_signal_group_connect_swapped (self->phone_signals, "peer-changed", G_CALLBACK (peer_changed_cb), self);
  g_signal_group_connect_swapped (self->phone_signals, "notify::held-call", G_CALLBACK (held_changed_cb), self);
  g_signal_group_connect_swapped (self->phone_signals, "notify::conference", G_CALLBACK (conference_changed_cb), self);
  g_signal_group_connect_swapped (self->phone_signals, "audio-device-lost", G_CALLBACK (audio_device_lost_cb), self);
  self->call_signals = g_signal_group_new (ZV_TYPE_CALL);
  g_signal_group_connect_swapped (self->call_signals, "notify::state", G_CALLBACK (call_state_cb), self);
  g_signal_group_connect_swapped (self->call_signals, "notify::on-hold", G_CALLBACK (update_controls), self);
  g_signal_group_connect_swapped (self->call_signals, "notify::on-hold", G_CALLBACK (update_state), self);
  g_signal_group_connect_swapped (self->call_signals, "notify::remote-hold", G_CALLBACK (update_state), self);
  g_signal_group_connect_swapped (self->call_signals, "notify::muted", G_CALLBACK (update_controls), self);

  /* The in-call keypad sends each key as a DTMF digit (RFC 4733, or SIP INFO). */
  for (guint i = 0; i < 12; i++)
    {
      static const char * const digits[] = { "1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#" };
      GtkWidget *button = gtk_button_new_with_label (digits[i]);

      gtk_widget_add_css_class (button, "circular");
      gtk_widget_add_css_class (button, "zv-call-control");
      gtk_widget_set_focus_on_click (button, FALSE);
      g_object_set_data (G_OBJECT (button), "zv-digit", (gpointer) digits[i]);
      g_signal_connect (button, "clicked", G_CALLBACK (dtmf_clicked_cb), self);
      gtk_grid_attach (self->keypad, button, (int) (i % 3), (int) (i / 3), 1, 1);
    }
}
