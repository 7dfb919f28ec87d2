/* zv-dialpad.c: ZvDialpad, where a call starts.
 *
 * The number field takes typing (digits go there from anywhere on the pad), the twelve keys, and
 * pastes: a pasted "+7 (495) 123-45-67" or "8 800 555 35 35" is normalised at once by
 * zv-phone-number, so the user sees what will be dialled. The caller-id selector lists only the
 * company numbers /telephony provisions, with the default preselected; with none it is hidden and
 * the phone system presents the account's own number. Errors (a number that cannot be dialled, a
 * phone that is not connected) show under the field in words the user can act on.
 */
#define G_LOG_DOMAIN "zveno"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "zv-dialpad.h"
#include "zv-phone-number.h"

struct _ZvDialpad
{
  AdwBin        parent_instance;

  /* owned */
  ZvPhone      *phone;
  GSignalGroup *phone_signals;
  GSignalGroup *call_signals;     /* the phone's: a call to go back to */

  /* borrowed: template children */
  GtkEntry     *number_entry;
  GtkLabel     *error_label;
  GtkGrid      *keys;
  GtkBox       *caller_id_box;
  GtkDropDown  *caller_id_dropdown;
  GtkButton    *call_button;
  GtkButton    *back_button;

  guint         last_length;
  guint         sync_id;
  gboolean      rewriting;
};

G_DEFINE_FINAL_TYPE (ZvDialpad, zv_dialpad, ADW_TYPE_BIN)

enum {
  BACK_TO_CALL,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Opened by Add Call (or from the Calls page during a call): a way back without dialling. */
static void
update_back_button (ZvDialpad *self)
{
  gboolean in_call = self->phone != NULL
                     && (zv_phone_get_call (self->phone) != NULL || zv_phone_get_held_call (self->phone) != NULL);

  gtk_widget_set_visible (GTK_WIDGET (self->back_button), in_call);
}

static void
back_clicked_cb (ZvDialpad *self)
{
  g_signal_emit (self, signals[BACK_TO_CALL], 0);
}

static const struct { const char *digit; const char *letters; } key_faces[] = {
  { "1", "" }, { "2", "ABC" }, { "3", "DEF" },
  { "4", "GHI" }, { "5", "JKL" }, { "6", "MNO" },
  { "7", "PQRS" }, { "8", "TUV" }, { "9", "WXYZ" },
  { "*", "" }, { "0", "+" }, { "#", "" },
};

static void
show_error (ZvDialpad  *self,
            const char *message)
{
  gtk_label_set_label (self->error_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

static void
update_call_button (ZvDialpad *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->number_entry));

  gtk_widget_set_sensitive (GTK_WIDGET (self->call_button), self->phone != NULL && *text != '\0');
}

static void
number_changed_cb (ZvDialpad *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->number_entry));
  guint length = (guint) g_utf8_strlen (text, -1);
  gboolean pasted = length > self->last_length + 1;

  self->last_length = length;
  show_error (self, NULL);
  update_call_button (self);
  if (self->rewriting || !pasted)
    return;

  /* More than one character at once is a paste (or a drop): show it as it will be dialled. SIP
   * addresses stay as they are. */
  if (strchr (text, '@') == NULL && !g_str_has_prefix (text, "sip"))
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *normalized = zv_phone_number_normalize (text, "7", &error);

      if (normalized == NULL)
        {
          show_error (self, error->message);
          return;
        }
      self->rewriting = TRUE;
      gtk_editable_set_text (GTK_EDITABLE (self->number_entry), normalized);
      gtk_editable_set_position (GTK_EDITABLE (self->number_entry), -1);
      self->rewriting = FALSE;
    }
}

static void
insert_text (ZvDialpad  *self,
             const char *text)
{
  int position = gtk_editable_get_position (GTK_EDITABLE (self->number_entry));

  gtk_editable_insert_text (GTK_EDITABLE (self->number_entry), text, -1, &position);
  gtk_editable_set_position (GTK_EDITABLE (self->number_entry), position);
}

static void
key_clicked_cb (GtkButton *button,
                ZvDialpad *self)
{
  insert_text (self, g_object_get_data (G_OBJECT (button), "zv-digit"));
}

static void
backspace_clicked_cb (ZvDialpad *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->number_entry));
  glong n = g_utf8_strlen (text, -1);

  if (n > 0)
    gtk_editable_delete_text (GTK_EDITABLE (self->number_entry), (int) n - 1, (int) n);
}

static void
call_clicked_cb (ZvDialpad *self)
{
  g_autoptr(GError) error = NULL;
  const char *number = gtk_editable_get_text (GTK_EDITABLE (self->number_entry));
  const char *caller_id = NULL;
  guint selected;

  if (self->phone == NULL || *number == '\0')
    return;
  selected = gtk_drop_down_get_selected (self->caller_id_dropdown);
  if (selected != GTK_INVALID_LIST_POSITION)
    caller_id = zv_phone_get_caller_id_number (self->phone, selected);
  if (zv_phone_dial (self->phone, number, caller_id, &error) == NULL)
    {
      show_error (self, error->message);
      return;
    }
  gtk_editable_set_text (GTK_EDITABLE (self->number_entry), "");
}

static gboolean
sync_caller_ids (gpointer user_data)
{
  ZvDialpad *self = user_data;
  GListModel *ids = self->phone != NULL ? zv_phone_get_caller_ids (self->phone) : NULL;
  guint n = ids != NULL ? g_list_model_get_n_items (ids) : 0;

  self->sync_id = 0;
  if (gtk_drop_down_get_model (self->caller_id_dropdown) != ids)
    gtk_drop_down_set_model (self->caller_id_dropdown, ids);
  gtk_widget_set_visible (GTK_WIDGET (self->caller_id_box), n > 0);
  if (n > 0)
    gtk_drop_down_set_selected (self->caller_id_dropdown, zv_phone_get_default_caller_id (self->phone));
  return G_SOURCE_REMOVE;
}

/* The drop-down reacts to its model's items-changed too: choose the default once it is done. */
static void
caller_ids_changed_cb (ZvDialpad *self)
{
  if (self->sync_id == 0)
    self->sync_id = g_idle_add (sync_caller_ids, self);
}

/* Digits typed anywhere on the pad go to the number, as on a phone. */
static gboolean
key_pressed_cb (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                ZvDialpad             *self)
{
  gunichar c = gdk_keyval_to_unicode (keyval);
  char buf[8] = { 0 };

  if (gtk_widget_has_focus (GTK_WIDGET (self->number_entry)) ||
      gtk_widget_is_ancestor (gtk_root_get_focus (gtk_widget_get_root (GTK_WIDGET (self))), GTK_WIDGET (self->number_entry)))
    return FALSE;
  if ((state & (GDK_CONTROL_MASK | GDK_ALT_MASK)) != 0)
    return FALSE;
  if (keyval == GDK_KEY_Return || keyval == GDK_KEY_KP_Enter)
    {
      call_clicked_cb (self);
      return TRUE;
    }
  if (keyval == GDK_KEY_BackSpace)
    {
      backspace_clicked_cb (self);
      return TRUE;
    }
  if (!(g_unichar_isdigit (c) || c == '*' || c == '#' || c == '+'))
    return FALSE;
  g_unichar_to_utf8 (c, buf);
  insert_text (self, buf);
  return TRUE;
}

/**
 * zv_dialpad_set_phone:
 * @phone: (nullable): the phone to dial with; %NULL while signed out
 */
void
zv_dialpad_set_phone (ZvDialpad *self,
                      ZvPhone   *phone)
{
  g_return_if_fail (ZV_IS_DIALPAD (self));

  if (!g_set_object (&self->phone, phone))
    return;
  g_signal_group_set_target (self->phone_signals, phone != NULL ? zv_phone_get_caller_ids (phone) : NULL);
  g_signal_group_set_target (self->call_signals, phone);
  update_back_button (self);
  g_clear_handle_id (&self->sync_id, g_source_remove);
  sync_caller_ids (self);
  update_call_button (self);
}

void
zv_dialpad_set_number (ZvDialpad  *self,
                       const char *number)
{
  g_return_if_fail (ZV_IS_DIALPAD (self));

  gtk_editable_set_text (GTK_EDITABLE (self->number_entry), number != NULL ? number : "");
  gtk_editable_set_position (GTK_EDITABLE (self->number_entry), -1);
}

const char *
zv_dialpad_get_number (ZvDialpad *self)
{
  g_return_val_if_fail (ZV_IS_DIALPAD (self), NULL);
  return gtk_editable_get_text (GTK_EDITABLE (self->number_entry));
}

void
zv_dialpad_focus (ZvDialpad *self)
{
  g_return_if_fail (ZV_IS_DIALPAD (self));
  gtk_widget_grab_focus (GTK_WIDGET (self->number_entry));
}

static void
zv_dialpad_dispose (GObject *object)
{
  ZvDialpad *self = ZV_DIALPAD (object);

  g_clear_handle_id (&self->sync_id, g_source_remove);
  if (self->phone_signals != NULL)
    g_signal_group_set_target (self->phone_signals, NULL);
  g_clear_object (&self->phone_signals);
  if (self->call_signals != NULL)
    g_signal_group_set_target (self->call_signals, NULL);
  g_clear_object (&self->call_signals);
  g_clear_object (&self->phone);
  /* AdwBin unparents the template root itself; gtk_widget_dispose_template() would do it twice. */

  G_OBJECT_CLASS (zv_dialpad_parent_class)->dispose (object);
}

static void
zv_dialpad_class_init (ZvDialpadClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = zv_dialpad_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, APPLICATION_PATH "/zv-dialpad.ui");
  gtk_widget_class_bind_template_child (widget_class, ZvDialpad, number_entry);
  gtk_widget_class_bind_template_child (widget_class, ZvDialpad, error_label);
  gtk_widget_class_bind_template_child (widget_class, ZvDialpad, keys);
  gtk_widget_class_bind_template_child (widget_class, ZvDialpad, caller_id_box);
  gtk_widget_class_bind_template_child (widget_class, ZvDialpad, caller_id_dropdown);
  gtk_widget_class_bind_template_child (widget_class, ZvDialpad, call_button);
  gtk_widget_class_bind_template_callback (widget_class, number_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, call_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, backspace_clicked_cb);
  gtk_widget_class_bind_template_child (widget_class, ZvDialpad, back_button);
  gtk_widget_class_bind_template_callback (widget_class, back_clicked_cb);

  /**
   * ZvDialpad::back-to-call:
   *
   * "Back to Call": show the call in progress instead of the dial pad.
   */
  signals[BACK_TO_CALL] = g_signal_new ("back-to-call", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                        NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
zv_dialpad_init (ZvDialpad *self)
{
  GtkEventController *keys;

  gtk_widget_init_template (GTK_WIDGET (self));

  for (guint i = 0; i < G_N_ELEMENTS (key_faces); i++)
    {
      GtkWidget *button = gtk_button_new ();
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
      GtkWidget *digit = gtk_label_new (key_faces[i].digit);
      GtkWidget *letters = gtk_label_new (key_faces[i].letters);

      gtk_widget_add_css_class (digit, "title-2");
      gtk_widget_add_css_class (letters, "caption");
      gtk_widget_add_css_class (letters, "dim-label");
      gtk_box_append (GTK_BOX (box), digit);
      gtk_box_append (GTK_BOX (box), letters);
      gtk_widget_set_valign (box, GTK_ALIGN_CENTER);
      gtk_button_set_child (GTK_BUTTON (button), box);
      gtk_widget_add_css_class (button, "zv-dialpad-key");
      gtk_widget_add_css_class (button, "circular");
      gtk_widget_set_focus_on_click (button, FALSE);
      /* The digit is the key's name for a screen reader ("2", not "2 ABC"). */
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, key_faces[i].digit, -1);
      g_object_set_data (G_OBJECT (button), "zv-digit", (gpointer) key_faces[i].digit);
      g_signal_connect (button, "clicked", G_CALLBACK (key_clicked_cb), self);
      gtk_grid_attach (self->keys, button, (int) (i % 3), (int) (i / 3), 1, 1);
    }

  keys = gtk_event_controller_key_new ();
  g_signal_connect (keys, "key-pressed", G_CALLBACK (key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), keys);

  self->phone_signals = g_signal_group_new (G_TYPE_LIST_MODEL);
  g_signal_group_connect_swapped (self->phone_signals, "items-changed", G_CALLBACK (caller_ids_changed_cb), self);
  self->call_signals = g_signal_group_new (ZV_TYPE_PHONE);
  g_signal_group_connect_swapped (self->call_signals, "notify::call", G_CALLBACK (update_back_button), self);
  g_signal_group_connect_swapped (self->call_signals, "notify::held-call", G_CALLBACK (update_back_button), self);
  update_call_button (self);
}
