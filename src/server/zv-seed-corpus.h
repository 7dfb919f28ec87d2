/* zv-seed-corpus.h: the word lists and message templates the demo seeder (zv-seed.c) draws from.
 *
 * Templates hold slots in braces, filled by zv-seed.c: {name} a chat member's first name, {date},
 * {time}, {day}, {phone}, {contract}, {invoice}, {amount}, {project}, {client}, {file}, {city},
 * {topic} / {topic_acc} (Russian nominative / accusative), {thing} (English), {ticket}, {sku},
 * {email}, {ext}, {num}, {emoji}.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  const char *name;          /* as shown in the directory */
  const char *login_base;    /* transliterated, for logins and e-mail */
  gboolean    female;
} ZvSeedFirstName;

typedef struct {
  const char *name;
  gboolean    english;       /* English titles and names mostly go here */
  const char *const *titles; /* NULL-terminated; the first is the head of the department */
} ZvSeedDepartment;

typedef struct {
  const char *name;          /* as shown: ООО «Ромашка» */
  const char *domain;        /* e-mail domain */
  const char *phone;         /* switchboard */
  gboolean    english;
  gboolean    contractor;    /* contractor rather than client */
} ZvSeedCompany;

typedef struct {
  const char *nominative;
  const char *accusative;
} ZvSeedTopic;

#define ZV_SEED_DECLARE_LIST(type, name) \
  extern const type name[]; \
  extern const gsize name##_len

ZV_SEED_DECLARE_LIST (ZvSeedFirstName, zv_seed_ru_first_names);
ZV_SEED_DECLARE_LIST (char *const, zv_seed_ru_surnames);         /* male form, translit after '|' */
ZV_SEED_DECLARE_LIST (ZvSeedFirstName, zv_seed_en_first_names);
ZV_SEED_DECLARE_LIST (char *const, zv_seed_en_surnames);
ZV_SEED_DECLARE_LIST (ZvSeedDepartment, zv_seed_departments);
ZV_SEED_DECLARE_LIST (ZvSeedCompany, zv_seed_companies);
ZV_SEED_DECLARE_LIST (char *const, zv_seed_project_names);      /* code names, both languages */
ZV_SEED_DECLARE_LIST (char *const, zv_seed_group_patterns_ru);  /* "%s" takes a project name */
ZV_SEED_DECLARE_LIST (char *const, zv_seed_group_patterns_en);
ZV_SEED_DECLARE_LIST (ZvSeedTopic, zv_seed_topics_ru);
ZV_SEED_DECLARE_LIST (char *const, zv_seed_things_en);
ZV_SEED_DECLARE_LIST (char *const, zv_seed_cities);
ZV_SEED_DECLARE_LIST (char *const, zv_seed_emoji);
ZV_SEED_DECLARE_LIST (char *const, zv_seed_reactions);

ZV_SEED_DECLARE_LIST (char *const, zv_seed_ru_greetings);
ZV_SEED_DECLARE_LIST (char *const, zv_seed_ru_openers);    /* questions, requests, news */
ZV_SEED_DECLARE_LIST (char *const, zv_seed_ru_replies);    /* answers inside a conversation */
ZV_SEED_DECLARE_LIST (char *const, zv_seed_ru_file_texts); /* text sent with an attachment */
ZV_SEED_DECLARE_LIST (char *const, zv_seed_en_greetings);
ZV_SEED_DECLARE_LIST (char *const, zv_seed_en_openers);
ZV_SEED_DECLARE_LIST (char *const, zv_seed_en_replies);
ZV_SEED_DECLARE_LIST (char *const, zv_seed_en_file_texts);

ZV_SEED_DECLARE_LIST (char *const, zv_seed_ru_file_names);  /* "%s" takes a number or a date */
ZV_SEED_DECLARE_LIST (char *const, zv_seed_en_file_names);
ZV_SEED_DECLARE_LIST (char *const, zv_seed_call_outcomes_ru);
ZV_SEED_DECLARE_LIST (char *const, zv_seed_call_notes_ru);

G_END_DECLS
