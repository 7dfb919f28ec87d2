/* zv-dialpad.h: the dial pad: a number typed, clicked or pasted, the company number to call as,
 * and the Call button. */
#pragma once

#include <adwaita.h>

#include "zv-phone.h"

G_BEGIN_DECLS

#define ZV_TYPE_DIALPAD (zv_dialpad_get_type ())

G_DECLARE_FINAL_TYPE (ZvDialpad, zv_dialpad, ZV, DIALPAD, AdwBin)

void        zv_dialpad_set_phone    (ZvDialpad   *self,
                                     ZvPhone     *phone);
void        zv_dialpad_set_number   (ZvDialpad   *self,
                                     const char  *number);
const char *zv_dialpad_get_number   (ZvDialpad   *self);
void        zv_dialpad_focus        (ZvDialpad   *self);

G_END_DECLS
